import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Where the simulator mounts the API, as on the real Optimizer. */
export const BASE_PATH = '/oneshot/api/v1'
export const OPTIMIZER_NAME = 'OneShot Optimizer'
export const OPTIMIZER_VERSION = '1.5.0-sim'

export interface SimulatorOptions {
  port?: number
}

export interface Simulator {
  /** The base URL a client is configured with, e.g. http://127.0.0.1:41234/oneshot/api/v1 */
  readonly url: string
  close(): Promise<void>
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  })
  response.end(text)
}

function route(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://simulator')
  if (!url.pathname.startsWith(`${BASE_PATH}/`)) {
    sendJson(response, 404, { detail: 'Not Found' })
    return
  }
  const path = url.pathname.slice(BASE_PATH.length)
  const key = `${request.method} ${path}`
  if (key === 'GET /hello') {
    sendJson(response, 200, { status: '200 OK', details: 'Hello' })
  } else if (key === 'GET /version') {
    sendJson(response, 200, {
      status: '200 OK',
      details: {
        name: OPTIMIZER_NAME,
        version: OPTIMIZER_VERSION,
        info: {
          machine: 'x86_64',
          release: 'simulator',
          hostname: 'localhost',
          system: 'Linux',
          processor: '',
        },
      },
    })
  } else {
    sendJson(response, 404, { detail: 'Not Found' })
  }
}

/** A One-Shot Optimizer on loopback, speaking the API's paths and answer shapes. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const server = createServer(route)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}${BASE_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
