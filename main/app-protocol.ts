import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { APP_HOST } from './app-origin'
import { RENDERER_HEADERS } from './csp'

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
}

const plain = (status: number, text: string) =>
  new Response(text, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })

/**
 * Resolves a request path to a file strictly inside `rootDir`, or null. Any `..` segment (also when
 * percent-encoded, or hidden behind an encoded slash or backslash) is refused outright.
 */
export function resolveInside(rootDir: string, rawPathname: string): string | null {
  let pathname: string
  try {
    pathname = decodeURIComponent(rawPathname)
  } catch {
    return null
  }
  if (pathname.includes('\0')) return null
  const segments = pathname.split(/[/\\]+/)
  if (segments.some((segment) => segment === '..')) return null
  const relative = segments.filter((segment) => segment !== '' && segment !== '.').join(path.sep)
  const resolved = path.resolve(rootDir, relative || 'index.html')
  const fromRoot = path.relative(rootDir, resolved)
  if (fromRoot.startsWith('..') || path.isAbsolute(fromRoot)) return null
  return resolved
}

/**
 * Serves the built renderer as a fetch-style handler, the shape `protocol.handle` takes; the test
 * harness serves the very same function over loopback HTTP.
 */
export function createRendererHandler(rootDir: string, expectedHost: string = APP_HOST) {
  const root = path.resolve(rootDir)
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url)
    if (url.host !== expectedHost) return plain(404, 'Not found')
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method not allowed')
    const file = resolveInside(root, url.pathname)
    if (file === null) return plain(403, 'Forbidden')
    let body: Buffer
    try {
      body = await readFile(file)
    } catch {
      return plain(404, 'Not found')
    }
    const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream'
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
      status: 200,
      headers: { ...RENDERER_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-cache' },
    })
  }
}
