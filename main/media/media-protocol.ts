import { type ImageSlot, imageSlots } from '../../shared/capture'
import { AppError } from '../../shared/errors'
import { imageInfo } from '../capture/image-info'
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
  /** Captures at the desk: a capture's recording and images, while it is kept. */
  capture?: {
    source(videoidPk: number): Promise<MediaSource | undefined>
    image(videoidPk: number, slot: ImageSlot): Promise<Buffer | undefined>
  }
  /** The path the handler is mounted under (`/__media` in the test harness; none in the app). */
  basePath?: string
  /** The page's origin, allowed to read media into a canvas (a snapshot) across origins. */
  pageOrigin?: string
}

/**
 * Main's media protocol, as a fetch-style handler (`protocol.handle` in the app; the test harness
 * serves the same function). Addressed by case, never by a path: `/case/<videoidPk>/video`,
 * `/case/<videoidPk>/snapshot/<id>`, and a capture's `/capture/<videoidPk>/video` and
 * `/capture/<videoidPk>/image/<slot>`. Answers `Range` itself (206, `Content-Range`, 416) from what the
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
    const captured = /^\/capture\/(\d{1,15})\/video$/.exec(relative)
    const image = /^\/capture\/(\d{1,15})\/image\/([a-z_]{1,32})$/.exec(relative)
    const picture = (data: Buffer, type: string) =>
      new Response(request.method === 'HEAD' ? null : new Uint8Array(data), {
        status: 200,
        headers: { ...common, 'Content-Type': type },
      })
    if (snapshot) {
      const png = await options.video.snapshot(Number(snapshot[1]), snapshot[2] ?? '').catch(failed)
      if (png instanceof Response) return png
      if (!png) return plain(404, 'Not found', common)
      return picture(png, 'image/png')
    }
    const slot = imageSlots.find((known) => known === image?.[2])
    if (image && slot && options.capture) {
      const data = await options.capture.image(Number(image[1]), slot).catch(failed)
      if (data instanceof Response) return data
      const type = data && imageInfo(data)?.type
      return data && type ? picture(data, type) : plain(404, 'Not found', common)
    }
    const source = await (video
      ? options.video.source(Number(video[1]))
      : captured && options.capture
        ? options.capture.source(Number(captured[1]))
        : Promise.resolve(null)
    ).catch(failed)
    if (source === null) return plain(404, 'Not found', common)
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
