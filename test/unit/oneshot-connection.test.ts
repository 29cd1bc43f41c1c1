import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOneShotClient } from '../../main/oneshot/client'
import { createDispatcher } from '../../main/oneshot/transport'
import { AppError } from '../../shared/errors'
import { OPTIMIZER_NAME, OPTIMIZER_VERSION, type Simulator, startSimulator } from '../simulator/server'

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
  createOneShotClient({ baseUrl: () => baseUrl, dispatcher: createDispatcher(fastTimeouts) })

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
        .writeHead(503, { 'Content-Type': 'application/json' })
        .end('{"status":"503","details":"Maintenance"}')
    })
    const error = await failureOf(clientFor(`http://${host}`).hello())
    expect(error.code).toBe('server_error')
    expect(error.detail).toBe('HTTP 503: Maintenance')
  })

  it('names the certificate problem of a self-signed server', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rao-tls-'))
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')]
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    )
    const server = createHttpsServer(
      { key: readFileSync(key), cert: readFileSync(cert) },
      (_request, response) => response.end('{}'),
    )
    servers.push(server)
    const host = await listen(server)
    const error = await failureOf(clientFor(`https://${host}`).hello())
    expect(error.code).toBe('tls')
    expect(error.detail).toContain('self-signed')
  })
})
