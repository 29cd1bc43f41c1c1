import { AppError } from '../../shared/errors'
import { parseRange } from './range'
import type { MediaSource } from './sealed-stream'

const plain = (status: number, text: string, headers: Record<string, string> = {}) =>
  new Response(text, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers } })

export interface MediaHandlerOptions {
  video: {
    /** A case's video, whole or still downloading; undefined where this computer has none. */
    source(videoidPk: number): Promise<MediaSource | undefined>
    /** A snapshot's PNG; undefined where there is none. */
    snapshot(videoidPk: number, id: string): Promise<Buffer | undefined>
  }
  /** The path the handler is mounted under (`/__media` in the test harness; none in the app). */
  basePath?: string
  /** The page's origin, allowed to read media into a canvas (a snapshot) across origins. */
  pageOrigin?: string
}

/**
 * Main's media protocol, as a fetch-style handler (`protocol.handle` in the app; the test harness
 * serves the same function). Addressed by case, never by a path: `/case/<videoidPk>/video` and
 * `/case/<videoidPk>/snapshot/<id>`. Answers `Range` itself (206, `Content-Range`, 416) from what the
 * video service reads: a saved copy opened chunk by chunk, or a download as it arrives. A saved copy
 * found damaged is answered with an error, never played.
 */
export function createMediaHandler(options: MediaHandlerOptions) {
  const base = options.basePath ?? ''
  const common = {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...(options.pageOrigin ? { 'Access-Control-Allow-Origin': options.pageOrigin } : {}),
  }
  const failed = (error: unknown) =>
    error instanceof AppError && error.code === 'media_damaged'
      ? plain(500, 'The saved copy is damaged.', common)
      : plain(500, 'The saved copy cannot be read now.', common)

  return async (request: Request): Promise<Response> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method not allowed')
    const { pathname } = new URL(request.url)
    const relative = pathname.startsWith(base) ? pathname.slice(base.length) : ''
    const video = /^\/case\/(\d{1,15})\/video$/.exec(relative)
    const snapshot = /^\/case\/(\d{1,15})\/snapshot\/([\w-]{1,64})$/.exec(relative)
    if (snapshot) {
      const png = await options.video.snapshot(Number(snapshot[1]), snapshot[2] ?? '').catch(failed)
      if (png instanceof Response) return png
      if (!png) return plain(404, 'Not found', common)
      const body = request.method === 'HEAD' ? null : new Uint8Array(png)
      return new Response(body, { status: 200, headers: { ...common, 'Content-Type': 'image/png' } })
    }
    if (!video) return plain(404, 'Not found', common)

    const source = await options.video.source(Number(video[1])).catch(failed)
    if (source instanceof Response) return source
    if (!source) return plain(404, 'This case has no video on this computer.', common)
    const { size } = source
    const range = parseRange(request.headers.get('range'), size)
    if (range === 'unsatisfiable')
      return plain(416, 'Range not satisfiable', { ...common, 'Content-Range': `bytes */${size}` })
    const served = range ?? { start: 0, end: size - 1 }
    const headers = {
      ...common,
      'Content-Type': source.type,
      'Accept-Ranges': 'bytes',
      'Content-Length': String(Math.max(0, served.end - served.start + 1)),
      ...(range ? { 'Content-Range': `bytes ${range.start}-${range.end}/${size}` } : {}),
    }
    const body = request.method === 'HEAD' || size === 0 ? null : source.stream(served)
    return new Response(body, { status: range ? 206 : 200, headers })
  }
}
