import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { type AddressInfo, connect } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import tls from 'node:tls'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../../main/log'
import { createOneShotClient } from '../../../main/oneshot/client'
import { createDispatcher } from '../../../main/oneshot/transport'
import { AppError } from '../../../shared/errors'
import { OPTIMIZER_NAME, OPTIMIZER_VERSION, type Simulator, startSimulator } from '../../simulator/server'
import { cleanKeychain, newDataDir, servicesFor, testService } from '../vault/fixtures'
import { selfSignedCertificate } from './helpers'

const fastTimeouts = { connectMs: 2_000, headersMs: 500, bodyMs: 500 }

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function failureOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(AppError)
  return error as AppError
}

const clientFor = (baseUrl: string) =>
  createOneShotClient({
    baseUrl: () => baseUrl,
    dispatcher: createDispatcher({ timeouts: fastTimeouts, retryDelayMs: 10 }),
    log: createLogger(() => undefined),
  })

describe('connection check against the simulator over real HTTP', () => {
  let simulator: Simulator
  beforeAll(async () => {
    simulator = await startSimulator()
  })
  afterAll(() => simulator.close())

  it('reads the greeting and the version', async () => {
    const client = clientFor(simulator.url)
    expect(await client.hello()).toBe('Hello')
    expect(await client.version()).toEqual({ name: OPTIMIZER_NAME, version: OPTIMIZER_VERSION })
  })

  it('says “cannot reach” once the simulator has stopped', async () => {
    const stopped = await startSimulator()
    await stopped.close()
    const error = await failureOf(clientFor(stopped.url).hello())
    expect(error.code).toBe('unreachable')
    expect(error.detail).toBe('ECONNREFUSED')
  })

  it('says “not found” for a wrong base path', async () => {
    const error = await failureOf(clientFor(simulator.url.replace('/oneshot/api/v1', '/nothing')).hello())
    expect(error.code).toBe('not_found')
  })
})

describe('connection check against misbehaving servers', () => {
  const servers: Server[] = []
  afterAll(() => {
    for (const server of servers) server.closeAllConnections?.()
    for (const server of servers) server.close()
  })
  const serve = (handler: Parameters<typeof createHttpServer>[1]) => {
    const server = createHttpServer(handler)
    servers.push(server)
    return listen(server)
  }

  it('times out when no answer comes', async () => {
    const host = await serve(() => undefined)
    const error = await failureOf(clientFor(`http://${host}`).hello())
    expect(error.code).toBe('timeout')
  })

  it('calls a web page an unexpected answer', async () => {
    const host = await serve((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>Captive portal</html>')
    })
    const error = await failureOf(clientFor(`http://${host}`).hello())
    expect(error.code).toBe('unexpected_answer')
    expect(error.detail).toContain('text/html')
  })

  it('calls malformed JSON an unexpected answer', async () => {
    const host = await serve((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status": "200 OK", "details": ')
    })
    expect((await failureOf(clientFor(`http://${host}`).version())).code).toBe('unexpected_answer')
  })

  it('keeps the server’s words as detail on a server error', async () => {
    const host = await serve((_request, response) => {
      response
        .writeHead(500, { 'Content-Type': 'application/json' })
        .end('{"status":"500","details":"Maintenance"}')
    })
    const error = await failureOf(clientFor(`http://${host}`).hello())
    expect(error.code).toBe('server_error')
    expect(error.detail).toBe('HTTP 500: Maintenance')
  })

  it('names the certificate problem of a self-signed server', async () => {
    const { key, cert } = selfSignedCertificate()
    const server = createHttpsServer({ key, cert }, (_request, response) => response.end('{}'))
    servers.push(server)
    const host = await listen(server)
    const error = await failureOf(clientFor(`https://${host}`).hello())
    expect(error.code).toBe('tls')
    expect(error.detail).toContain('self-signed')
  })
})

describe('officers behind corporate networks', () => {
  it('trusts an extra CA certificate (a TLS-inspecting proxy’s) when given one', async () => {
    const { key, cert } = selfSignedCertificate()
    const server = createHttpsServer({ key, cert }, (_request, response) =>
      response
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end('{"status":"200 OK","details":"Hello"}'),
    )
    const host = await listen(server)
    const client = createOneShotClient({
      baseUrl: () => `https://${host}`,
      dispatcher: createDispatcher({ extraCaPem: cert }),
      log: createLogger(() => undefined),
    })
    expect(await client.hello()).toBe('Hello')
    server.close()
  })

  it('trusts the operating system’s certificate store where this Node can read it, and falls back where not', async () => {
    const { key, cert } = selfSignedCertificate()
    const caFile = path.join(mkdtempSync(path.join(tmpdir(), 'rao-system-ca-')), 'ca.pem')
    writeFileSync(caFile, cert)
    const server = createHttpsServer({ key, cert }, (_request, response) =>
      response
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end('{"status":"200 OK","details":"Hello"}'),
    )
    const host = await listen(server)
    // The system store, as OpenSSL reads it, is the test's CA alone: set for a process of its own (and
    // waited for without blocking: this process serves the HTTPS it calls).
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, 'system-ca-child.ts'), `https://${host}`],
      { env: { ...process.env, SSL_CERT_FILE: caFile }, encoding: 'utf8' },
    )
    const outcome = stdout.trim()
    const readsSystemStore = typeof (tls as { getCACertificates?: unknown }).getCACertificates === 'function'
    // Node 24 (Electron's) trusts the administrator's CA; Node 20 keeps to its bundled roots.
    expect(outcome).toBe(readsSystemStore ? 'Hello' : 'tls')
    server.close()
  })

  it('goes through the proxy it is given, and around it for NO_PROXY hosts', async () => {
    const simulator = await startSimulator({ seed: false })
    const tunnels: string[] = []
    const proxy = createHttpServer()
    proxy.on('connect', (request, client) => {
      tunnels.push(request.url ?? '')
      const [hostname, port] = (request.url ?? '').split(':')
      const upstream = connect(Number(port), hostname, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        upstream.pipe(client)
        client.pipe(upstream)
      })
      upstream.on('error', () => client.destroy())
    })
    const proxyHost = await listen(proxy)
    const through = (noProxy?: string) =>
      createOneShotClient({
        baseUrl: () => simulator.url,
        dispatcher: createDispatcher({
          proxy: { httpProxy: `http://${proxyHost}`, ...(noProxy ? { noProxy } : {}) },
        }),
        log: createLogger(() => undefined),
      })
    expect(await through().hello()).toBe('Hello')
    expect(tunnels).toEqual([new URL(simulator.url).host])
    expect(await through('127.0.0.1').hello()).toBe('Hello')
    expect(tunnels).toHaveLength(1)
    proxy.closeAllConnections()
    proxy.close()
    await simulator.close()
  })
})

describe('the connection check an officer waits on', () => {
  let stalled: Simulator
  let service: string
  beforeEach(async () => {
    stalled = await startSimulator()
    service = testService()
    // A stalled Optimizer: it takes the call, and answers long after anyone would wait.
    stalled.inject({ route: 'GET /hello', fault: { kind: 'latency', ms: 20_000 }, times: 5 })
  })
  afterEach(async () => {
    await stalled.close()
    await cleanKeychain(service)
  })

  it('gives up after its own limit, shorter than a call’s', async () => {
    const app = servicesFor(newDataDir(), service, stalled.url, undefined, { connectionCheckMs: 400 })
    const started = Date.now()
    await expect(app.handlers.checkConnection(undefined)).rejects.toMatchObject({ code: 'timeout' })
    expect(Date.now() - started).toBeLessThan(5_000)
    await app.close()
  })

  it('can be cancelled while it waits', async () => {
    const app = servicesFor(newDataDir(), service, stalled.url)
    const check = app.handlers.checkConnection(undefined)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(await app.handlers.cancelConnectionCheck(undefined)).toEqual({ cancelled: true })
    await expect(check).rejects.toMatchObject({ code: 'cancelled' })
    expect(await app.handlers.cancelConnectionCheck(undefined)).toEqual({ cancelled: false })
    await app.close()
  })
})
