import { createReadStream, mkdtempSync, rmSync } from 'node:fs'
import { stat, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { readBody } from '../support/read-body'
import { carries, echoOf } from './echo'
import { type Fault, FaultBook, type FaultRule } from './faults'
import { videoPart } from './multipart'
import type { RaoAccount } from './seed'
import { type Answer, contentTypeOf, fail, type Generation, SimulatorState, type VideoCase } from './state'

/** Where the simulator mounts the API, as on the real Optimizer. */
export const BASE_PATH = '/oneshot/api/v1'
export const OPTIMIZER_NAME = 'OneShot Optimizer'
export const OPTIMIZER_VERSION = '1.5.0-sim'

export interface SimulatorOptions {
  port?: number
  /** Where uploaded videos go; a temporary folder (removed on close) when absent. */
  dataDir?: string
  /** Start with the synthetic cases (default) or empty. */
  seed?: boolean
  /** The API generation it speaks (the current one unless said); never both at once. */
  generation?: Generation
  raos?: RaoAccount[]
}

export interface ReceivedRequest {
  method: string
  path: string
  body: string
}

export interface Decision {
  action: 'validate' | 'approve' | 'refuse' | 'cancel'
  videoidPk: number
}

export interface Simulator {
  /** The base URL a client is configured with, e.g. http://127.0.0.1:41234/oneshot/api/v1 */
  readonly url: string
  readonly state: SimulatorState
  /** Every decision request that arrived, whatever became of it: a decision must never arrive twice. */
  readonly decisions: readonly Decision[]
  /** Every request that arrived: method, URL path, and body as text (bodies over 1 MiB, videos, left out). */
  readonly requests: readonly ReceivedRequest[]
  /** How many requests carried any of these values, in their path or body, as sent or JSON-escaped. */
  requestsCarrying(...values: string[]): number
  inject(rule: FaultRule): void
  clearFaults(): void
  /** Whether video downloads honour `Range` (they do unless switched off). */
  setRangeSupport(enabled: boolean): void
  /** Sends videos no faster than this (an office link), or as fast as it can with `undefined`. */
  setVideoRate(bytesPerSecond: number | undefined): void
  /** Serves `file` as the video of a case (the download benchmark's large file, say). */
  attachVideo(videoidPk: number, file: string): void
  close(): Promise<void>
}

const MAX_JSON_BODY = 8 * 1024 * 1024
const MAX_RECORDED_BODY = 1024 * 1024
const MAX_VIDEO_BODY = 512 * 1024 * 1024

function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'invalid' | undefined {
  if (!header) return undefined
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!match || (match[1] === '' && match[2] === '')) return 'invalid'
  let start: number
  let end: number
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]))
    end = size - 1
  } else {
    start = Number(match[1])
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)
  }
  return start > end || start >= size ? 'invalid' : { start, end }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Writes a file's stream at about `bytesPerSecond`, in pieces of at most 16 KiB, as a slow link would. */
async function sendThrottled(
  stream: NodeJS.ReadableStream,
  response: ServerResponse,
  bytesPerSecond: number,
) {
  const started = Date.now()
  let sent = 0
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (let offset = 0; offset < chunk.length; offset += 16 * 1024) {
        const piece = chunk.subarray(offset, offset + 16 * 1024)
        if (response.destroyed) return
        response.write(piece)
        sent += piece.length
        const due = started + (sent / bytesPerSecond) * 1000
        if (due > Date.now()) await sleep(due - Date.now())
      }
    }
    response.end()
  } catch {
    response.destroy()
  }
}

/** Reads half of a request's body (by its Content-Length), then cuts the connection: nothing is handled. */
async function cutHalfway(request: IncomingMessage): Promise<void> {
  const half = Math.floor(Number(request.headers['content-length'] ?? 0) / 2)
  const { socket } = request
  let received = 0
  for await (const chunk of request as AsyncIterable<Buffer>) {
    received += chunk.length
    if (received >= half) break
  }
  socket.destroy()
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const state = new SimulatorState({
    ...(options.raos ? { raos: options.raos } : {}),
    seed: options.seed ?? true,
    ...(options.generation ? { generation: options.generation } : {}),
  })
  const ownDataDir = options.dataDir === undefined
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'oneshot-simulator-'))
  const faults = new FaultBook()
  const decisions: Decision[] = []
  const requests: ReceivedRequest[] = []
  const sockets = new Set<Socket>()
  let rangeSupport = true
  let videoRate: number | undefined

  /** Writes an answer, or the fault that spoils it. */
  async function send(
    request: IncomingMessage,
    response: ServerResponse,
    answer: Answer,
    fault: Fault | undefined,
  ) {
    if (fault?.kind === 'malformed') {
      response
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end('{"status": "success", "detail": {"vid')
      return
    }
    if (fault?.kind === 'wrongType') {
      response.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><h1>Gateway login</h1>')
      return
    }
    const cut = fault?.kind === 'reset' || fault?.kind === 'stall' ? fault.kind : undefined
    if ('json' in answer) {
      const body = Buffer.from(JSON.stringify(answer.json))
      response.writeHead(answer.status, { 'Content-Type': 'application/json', 'Content-Length': body.length })
      if (!cut) {
        response.end(body)
        return
      }
      response.write(body.subarray(0, Math.ceil(body.length / 2)))
      if (cut === 'reset') setTimeout(() => response.socket?.destroy(), 20)
      return
    }
    const file = await stat(answer.file)
    const { size } = file
    if (size === 0) {
      response.writeHead(200, { 'Content-Type': answer.contentType, 'Content-Length': 0 }).end()
      return
    }
    // Guess (Q6): the Optimizer's video answers honour Range (switchable off) and carry an ETag, as
    // nginx makes it (the file's time and size), and `If-Range`: another version is answered whole.
    const etag = `"${file.ino.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}-${size.toString(16)}"`
    const ifRange = request.headers['if-range']
    const range =
      rangeSupport && (ifRange === undefined || ifRange === etag)
        ? parseRange(request.headers.range, size)
        : undefined
    if (range === 'invalid') {
      response.writeHead(416, { 'Content-Range': `bytes */${size}` }).end()
      return
    }
    const { start, end } = range ?? { start: 0, end: size - 1 }
    response.writeHead(range ? 206 : 200, {
      'Content-Type': answer.contentType,
      'Content-Length': end - start + 1,
      ETag: etag,
      ...(rangeSupport ? { 'Accept-Ranges': 'bytes' } : {}),
      ...(range ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
    })
    const stop = cut ? start + Math.floor((end - start + 1) / 2) - 1 : end
    const stream = createReadStream(answer.file, { start, end: stop, highWaterMark: 1024 * 1024 })
    if (videoRate && !cut) {
      await sendThrottled(stream, response, videoRate)
      return
    }
    stream.pipe(response, { end: !cut })
    if (cut === 'reset') stream.on('end', () => setTimeout(() => response.socket?.destroy(), 20))
  }

  async function jsonBody(raw: Buffer): Promise<Record<string, unknown> | Answer> {
    if (raw.length > MAX_JSON_BODY) throw new Error('body too large')
    try {
      const parsed = JSON.parse(raw.toString('utf8') || '{}')
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        return parsed as Record<string, unknown>
    } catch {
      // answered below, as the Optimizer does
    }
    return { status: 400, json: { status: 'Invalid JSON', details: 'Could not parse JSON body' } }
  }
  const isAnswer = (value: unknown): value is Answer =>
    typeof value === 'object' && value !== null && 'status' in value && ('json' in value || 'file' in value)

  async function receiveVideo(request: IncomingMessage, target: VideoCase, body: Buffer): Promise<Answer> {
    const part = videoPart(request.headers['content-type'] ?? '', body)
    if (!part.ok) return fail(400, part.problem)
    const file = path.join(dataDir, `video-${target.videoidPk}${path.extname(part.filename)}`)
    await writeFile(file, part.data)
    return state.uploadVideo(target, file, part.type)
  }

  async function route(
    request: IncomingMessage,
    method: string,
    apiPath: string,
    raw: Buffer,
  ): Promise<Answer> {
    const segments = apiPath.split('/').filter(Boolean)
    const [first, second, third] = segments
    const pkOf = (text: string | undefined) => (text && /^\d+$/.test(text) ? Number(text) : undefined)

    if (method === 'GET' && apiPath === '/hello') return state.ok('Hello')
    if (method === 'GET' && apiPath === '/version') {
      return state.ok('Version', {
        version: OPTIMIZER_VERSION,
        name: OPTIMIZER_NAME,
        info: {
          machine: 'x86_64',
          release: 'simulator',
          hostname: 'localhost',
          system: 'Linux',
          processor: '',
        },
      })
    }
    if (apiPath === '/settings') {
      if (method === 'GET') return state.ok('Settings', state.settings())
      if (method === 'POST') {
        const body = await jsonBody(raw)
        return isAnswer(body) ? body : state.updateSettings(body as Record<string, Record<string, unknown>>)
      }
    }
    if (method === 'GET' && apiPath === '/tokens') {
      return state.ok(
        'Tokens',
        Object.fromEntries([...state.tokens].map(([uid, token]) => [uid, state.tokenParts(token)])),
      )
    }
    if (first === 'token') {
      if (method === 'POST' && segments.length === 1) {
        const body = await jsonBody(raw)
        return isAnswer(body) ? body : state.createToken(body)
      }
      const token = second ? state.tokens.get(second) : undefined
      if (segments.length === 2 && !token) return fail(404, `Token ${second} not found`)
      if (token && method === 'GET') return state.ok('Token', state.tokenParts(token))
      if (token && second && method === 'DELETE') {
        state.tokens.delete(second)
        return state.ok('Token deleted successfully')
      }
    }
    if (first === 'request' && segments.length === 2) {
      const target = state.byRequestPk(pkOf(second) ?? -1)
      if (!target) return fail(404, `Request ${second} not found`)
      if (method === 'GET') return state.ok('Request', state.requestDetails(target))
      if (method === 'DELETE') {
        target.status = 'CANCELLED'
        return state.ok('Request directory removed successfully')
      }
    }
    if (first === 'videoid') {
      if (method === 'POST' && segments.length === 1) {
        const body = await jsonBody(raw)
        return isAnswer(body) ? body : state.createVideoId(body)
      }
      const target = state.cases.get(pkOf(second) ?? -1)
      if (segments.length === 3 && !target) return fail(404, 'Request not found')
      if (target && segments.length === 3) {
        if (third === 'video' && method === 'GET') {
          return target.video ? { status: 200, ...target.video } : fail(404, 'Video not found')
        }
        if (third === 'video' && method === 'POST') return receiveVideo(request, target, raw)
        if (third === 'evidences' && method === 'POST') {
          const body = await jsonBody(raw)
          return isAnswer(body) ? body : state.uploadEvidences(target, body)
        }
        if ((third === 'validate' || third === 'approve' || third === 'refuse') && method === 'POST') {
          const body = await jsonBody(raw)
          if (isAnswer(body)) return body
          const account = state.authorize(body)
          if (isAnswer(account)) return account
          if (third === 'validate') return state.validate(target)
          if (third === 'approve') return state.approve(target)
          return state.refuse(target, body.reason)
        }
      }
    }
    return { status: 404, json: { detail: 'Not Found' } }
  }

  const server = createServer(async (request, response) => {
    const method = request.method ?? 'GET'
    const url = new URL(request.url ?? '/', 'http://simulator')
    const inApi = url.pathname.startsWith(`${BASE_PATH}/`)
    const apiPath = url.pathname.slice(BASE_PATH.length)
    const fault = inApi ? faults.take(method, apiPath) : undefined
    if (fault?.kind === 'cut') {
      requests.push({ method, path: url.pathname, body: '' })
      await cutHalfway(request)
      return
    }
    // Read whole before anything is decided, so that every body is seen, whatever the answer.
    const raw = await readBody(request, MAX_VIDEO_BODY).catch(() => undefined)
    const body = raw && raw.length <= MAX_RECORDED_BODY ? raw.toString('utf8') : ''
    requests.push({ method, path: url.pathname, body })
    if (!raw) {
      await send(request, response, fail(500, 'Internal Server Error'), undefined)
      return
    }
    if (!inApi) {
      await send(request, response, { status: 404, json: { detail: 'Not Found' } }, undefined)
      return
    }
    const decision = /^\/videoid\/(\d+)\/(validate|approve|refuse)$/.exec(apiPath)
    if (decision && method === 'POST') {
      decisions.push({ videoidPk: Number(decision[1]), action: decision[2] as Decision['action'] })
    }
    // A cancel is a decision too: `DELETE /request/{request_pk}`, counted by its Video ID.
    const cancel = /^\/request\/(\d+)$/.exec(apiPath)
    const cancelled = cancel && method === 'DELETE' ? state.byRequestPk(Number(cancel[1])) : undefined
    if (cancelled) decisions.push({ videoidPk: cancelled.videoidPk, action: 'cancel' })
    try {
      if (fault?.kind === 'drop') {
        response.socket?.destroy()
        return
      }
      if (fault?.kind === 'echo') {
        await send(request, response, fail(500, echoOf(apiPath, body, fault.as)), undefined)
        return
      }
      if (fault?.kind === 'status' && fault.handled) {
        await route(request, method, apiPath, raw)
        await send(request, response, fail(fault.status, 'Bad gateway'), undefined)
        return
      }
      if (fault?.kind === 'status') {
        await send(request, response, fail(fault.status, 'Service temporarily unavailable'), undefined)
        return
      }
      const answer = await route(request, method, apiPath, raw)
      // A slow Optimizer does the work, then answers late: a decision takes effect even if no one waits.
      if (fault?.kind === 'latency') await sleep(fault.ms)
      await send(request, response, answer, fault)
    } catch {
      if (!response.headersSent) await send(request, response, fail(500, 'Internal Server Error'), undefined)
      else response.destroy()
    }
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}${BASE_PATH}`,
    state,
    decisions,
    requests,
    requestsCarrying: (...values) =>
      requests.filter((request) => values.some((value) => carries(request, value))).length,
    inject: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    setRangeSupport: (enabled) => {
      rangeSupport = enabled
    },
    setVideoRate: (bytesPerSecond) => {
      videoRate = bytesPerSecond
    },
    attachVideo: (videoidPk, file) => {
      const target = state.cases.get(videoidPk)
      if (!target) throw new Error(`no case ${videoidPk}`)
      target.video = { file, contentType: contentTypeOf(file) }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => {
          if (ownDataDir) rmSync(dataDir, { recursive: true, force: true })
          resolve()
        })
      }),
  }
}
