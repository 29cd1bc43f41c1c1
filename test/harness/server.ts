import { randomBytes, timingSafeEqual } from 'node:crypto'
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import keytar from '@github/keytar'
import Conf from 'conf'
import { APP_ORIGIN } from '../../main/app-origin'
import { createRendererHandler } from '../../main/app-protocol'
import { bindServices } from '../../main/bindings'
import { createCheckedEmit } from '../../main/ipc'
import { createLogger } from '../../main/log'
import { createServices, type ServiceDependencies } from '../../main/services'
import type { EventName } from '../../shared/contract'
import { defaultSettings } from '../../shared/settings'
import { cleanKeychain } from '../support/keychain'
import { FakePowerMonitor } from '../support/power-monitor'
import { readBody } from '../support/read-body'

/**
 * The browser test harness: serves the built renderer to a real browser and carries its `window.rao`
 * calls over loopback HTTP to the same IPC binding and services that main uses. Test-only: it is never
 * part of the shipped app. Bound to 127.0.0.1, random port, random per-run token (a cookie, set when the
 * page is opened with `?token=`), and it checks Host and Origin against DNS rebinding.
 */
export interface HarnessOptions {
  /** Seeds the Optimizer address setting (the simulator's URL, usually). */
  optimizerUrl?: string
  /** The app's data folder; a new temporary one when absent (and then removed on close). */
  dataDir?: string
  /** The keychain service prefix; a new test-only one when absent. Pass the same one to see a restart. */
  keychainService?: string
  rendererDir?: string
  bridgeFile?: string
  /** A settle window of the test's own (the setting is in minutes), and the wait before a case is gone. */
  settle?: ServiceDependencies['settle']
  gonePolicy?: ServiceDependencies['gonePolicy']
  /** A short minute for the idle lock's setting, so a test sees the desk lock by itself. */
  idleMinuteMs?: ServiceDependencies['idleMinuteMs']
  /** A short lease for team claims, so a test sees one run out. */
  team?: ServiceDependencies['team']
}

export interface Harness {
  /** Open this in a browser: it sets the session cookie and lands on the app. */
  readonly url: string
  readonly origin: string
  readonly dataDir: string
  readonly logFile: string
  readonly keychainService: string
  /** Every answer and event the harness sent to the page, as JSON: what crossed from main to the renderer. */
  readonly transcript: readonly string[]
  /** Main's One-Shot client, for tests that act where the renderer has no screen yet. */
  readonly oneshot: ReturnType<typeof createServices>['oneshot']
  /** Main's credentials, for the authority a decision through `oneshot` carries. */
  readonly credentials: ReturnType<typeof createServices>['credentials']
  /** Main's case book, for seeding it (`npm run harness`, benchmarks). */
  readonly cases: ReturnType<typeof createServices>['cases']
  /** Main's team mode, for joining a desk to the team without its page. */
  readonly team: ReturnType<typeof createServices>['team']
  close(): Promise<void>
}

const COOKIE = 'rao_harness'
/** Large enough for a full-size snapshot, as base64. */
const MAX_BODY_BYTES = 40 * 1024 * 1024
/** Where the harness mounts main's media protocol handler. */
const MEDIA_PATH = '/__media'
const root = path.resolve(import.meta.dirname, '../..')

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

function cookieOf(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=')
    if (key === name) return value.join('=')
  }
  return undefined
}

async function sendFetchResponse(
  response: ServerResponse,
  answer: Response,
  transform?: (text: string) => string,
) {
  const headers = Object.fromEntries(answer.headers.entries())
  if (transform && answer.ok) {
    const text = transform(await answer.text())
    response.writeHead(answer.status, { ...headers, 'Content-Length': Buffer.byteLength(text) })
    response.end(text)
    return
  }
  const body = Buffer.from(await answer.arrayBuffer())
  response.writeHead(answer.status, { ...headers, 'Content-Length': body.length })
  response.end(body)
}

/** Writes a fetch Response as it streams, so a video can play while main is still downloading it. */
async function streamFetchResponse(response: ServerResponse, answer: Response) {
  response.writeHead(answer.status, Object.fromEntries(answer.headers.entries()))
  if (!answer.body) {
    response.end()
    return
  }
  const body = Readable.fromWeb(answer.body as import('node:stream/web').ReadableStream<Uint8Array>)
  response.on('close', () => body.destroy())
  body.on('error', () => response.destroy())
  body.pipe(response)
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const ownDataDir = options.dataDir === undefined
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'rao-desk-harness-'))
  const logFile = path.join(dataDir, 'main.log')
  const rendererDir = options.rendererDir ?? path.join(root, 'out/renderer')
  const bridgeFile = options.bridgeFile ?? path.join(root, 'out/harness/bridge.js')
  const token = randomBytes(32).toString('hex')
  const ownKeychain = options.keychainService === undefined
  const keychainService = options.keychainService ?? `rao-desk-harness-${randomBytes(6).toString('hex')}`
  const transcript: string[] = []
  // A request still in flight as the harness closes may log after its own folder is gone: that line is dropped.
  let closed = false
  const log = createLogger((line) => {
    if (!closed) appendFileSync(logFile, `${line}\n`)
  })

  const store = new Conf<Record<string, unknown>>({
    projectName: 'rao-desk',
    cwd: dataDir,
    configName: 'settings',
  })
  if (options.optimizerUrl && store.get('settings') === undefined) {
    store.set('settings', { ...defaultSettings, optimizerUrl: options.optimizerUrl })
  }

  const eventStreams = new Set<ServerResponse>()
  const send = (name: EventName, payload: unknown) => {
    const data = JSON.stringify(payload)
    transcript.push(data)
    for (const stream of eventStreams) stream.write(`event: ${name}\ndata: ${data}\n\n`)
  }
  const services = createServices({
    store,
    caseBookFile: path.join(dataDir, 'case-book.jsonl'),
    journalFile: path.join(dataDir, 'decision-journal.jsonl'),
    cacheDir: path.join(dataDir, 'video-cache'),
    mediaUrl: (mediaPath) => `${origin}${MEDIA_PATH}${mediaPath}`,
    log,
    emit: createCheckedEmit(send, log),
    keychain: keytar,
    keychainService,
    ...(options.settle ? { settle: options.settle } : {}),
    ...(options.gonePolicy ? { gonePolicy: options.gonePolicy } : {}),
    ...(options.idleMinuteMs ? { idleMinuteMs: options.idleMinuteMs } : {}),
    ...(options.team ? { team: options.team } : {}),
    // No Electron here: the system neither locks its screen nor sleeps under the harness.
    powerMonitor: new FakePowerMonitor(),
  })

  let origin = ''
  const isTrusted = (request: IncomingMessage): boolean => {
    const cookie = cookieOf(request, COOKIE)
    const originHeader = request.headers.origin
    return (
      request.headers.host === new URL(origin).host &&
      (originHeader === undefined || originHeader === origin) &&
      cookie !== undefined &&
      sameSecret(cookie, token)
    )
  }
  // Built as the app builds its own: the gate and the media's lock come with it.
  const { ipc: binding, media } = bindServices(services, {
    isTrustedSender: isTrusted,
    log,
    media: { basePath: MEDIA_PATH },
  })
  const renderer = createRendererHandler(rendererDir)
  const injectBridge = (html: string) =>
    html.replace('<script', '<script src="/__harness/bridge.js"></script>\n    <script')

  const server = createServer(async (request, response) => {
    try {
      const url = new URL(request.url ?? '/', origin)
      if (url.pathname === '/' && url.searchParams.has('token')) {
        const given = url.searchParams.get('token') ?? ''
        if (!sameSecret(given, token)) {
          response.writeHead(403).end('Wrong token')
          return
        }
        response.writeHead(303, {
          'Set-Cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
          Location: '/',
        })
        response.end()
        return
      }
      if (url.pathname.startsWith('/__ipc/') && request.method === 'POST') {
        let input: unknown
        try {
          const text = (await readBody(request, MAX_BODY_BYTES)).toString('utf8')
          input = text ? (JSON.parse(text) as { input?: unknown }).input : undefined
        } catch {
          response.writeHead(400).end()
          return
        }
        const result = await binding.dispatch(url.pathname.slice('/__ipc/'.length), input, request)
        const body = JSON.stringify(result)
        transcript.push(body)
        response.writeHead(200, {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
        })
        response.end(body)
        return
      }
      if (url.pathname === '/__events') {
        if (!isTrusted(request)) {
          response.writeHead(403).end()
          return
        }
        response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' })
        response.write(': connected\n\n')
        eventStreams.add(response)
        request.on('close', () => eventStreams.delete(response))
        return
      }
      if (url.pathname.startsWith(`${MEDIA_PATH}/`)) {
        if (!isTrusted(request)) {
          response.writeHead(403).end()
          return
        }
        const answer = await media(
          new Request(url, {
            method: request.method ?? 'GET',
            headers: { range: request.headers.range ?? '' },
          }),
        )
        await streamFetchResponse(response, answer)
        return
      }
      if (url.pathname === '/__harness/bridge.js') {
        const code = await readFile(bridgeFile)
        response.writeHead(200, {
          'Content-Type': 'text/javascript; charset=utf-8',
          'Content-Length': code.length,
        })
        response.end(code)
        return
      }
      const answer = await renderer(new Request(`${APP_ORIGIN}${url.pathname}`, { method: request.method }))
      const isHtml = (answer.headers.get('content-type') ?? '').startsWith('text/html')
      // The page starts anew, as main learns from its window in the app.
      if (isHtml) services.pageStarted()
      await sendFetchResponse(response, answer, isHtml ? injectBridge : undefined)
    } catch (error) {
      log.error('harness request failed', { error: error instanceof Error ? error.message : 'unknown' })
      // The harness's own failures are the test's to see: a 500 in the page would say nothing more.
      process.stderr.write(
        `harness: ${request.method} ${request.url?.split('?')[0]} failed: ${String(error)}\n`,
      )
      if (!response.headersSent) response.writeHead(500)
      response.end()
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  services.start()

  return {
    url: `${origin}/?token=${token}`,
    origin,
    dataDir,
    logFile,
    keychainService,
    transcript,
    oneshot: services.oneshot,
    credentials: services.credentials,
    cases: services.cases,
    team: services.team,
    async close() {
      for (const stream of eventStreams) stream.end()
      // Closing services may still have something to say: nowhere to send it now.
      eventStreams.clear()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await services.close()
      closed = ownDataDir
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true })
      if (ownKeychain) await cleanKeychain(keychainService)
    },
  }
}
