import { existsSync } from 'node:fs'
import { open, readFile } from 'node:fs/promises'
import { type ByteRange, parseRange } from './range'
import { type Transfer, type VideoService, videoTypeOf } from './video-service'

const CHUNK = 256 * 1024

const plain = (status: number, text: string, headers: Record<string, string> = {}) =>
  new Response(text, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers } })

/** How many bytes from `position` on are on disk: in order from the start, or in an index fetched ahead. */
function onDisk(transfer: Transfer, position: number): number {
  if (transfer.state.status === 'ready') return Number.POSITIVE_INFINITY
  if (position < transfer.bytes) return transfer.bytes - position
  const tail = transfer.tail
  return tail && position >= tail.start && position <= tail.end ? tail.end - position + 1 : 0
}

/** Waits until the byte at `position` is on disk, or the download has ended; says whether it is there. */
async function waitFor(transfer: Transfer, position: number): Promise<boolean> {
  while (transfer.state.status === 'downloading' && onDisk(transfer, position) === 0) await transfer.next()
  return onDisk(transfer, position) > 0
}

/**
 * Streams `range` of a file from disk, a piece at a time. While a download is still writing the
 * file, a piece not on disk yet is waited for; a download that fails ends the stream with an error.
 */
function streamRange(
  fileNow: () => string,
  range: ByteRange,
  transfer: Transfer | undefined,
): ReadableStream<Uint8Array> {
  let position = range.start
  let handle: Awaited<ReturnType<typeof open>> | undefined
  const close = async () => {
    await handle?.close().catch(() => undefined)
    handle = undefined
  }
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          // A download may end, and move its file into place, between the look and the open.
          handle ??= await open(fileNow(), 'r').catch(() => open(fileNow(), 'r'))
          const wanted = Math.min(CHUNK, range.end - position + 1)
          if (transfer && !(await waitFor(transfer, position)))
            throw new Error('the download ended before this part of the video')
          const available = transfer ? onDisk(transfer, position) : wanted
          const buffer = Buffer.alloc(Math.min(wanted, available))
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, position)
          if (bytesRead === 0) throw new Error('the video file is shorter than it said')
          position += bytesRead
          controller.enqueue(buffer.subarray(0, bytesRead))
          if (position > range.end) {
            await close()
            controller.close()
          }
        } catch (error) {
          await close()
          controller.error(error)
        }
      },
      cancel: close,
    },
    { highWaterMark: 0 },
  )
}

export interface MediaHandlerOptions {
  video: Pick<VideoService, 'source' | 'snapshotFile'>
  /** The path the handler is mounted under (`/__media` in the test harness; none in the app). */
  basePath?: string
  /** The page's origin, allowed to read media into a canvas (a snapshot) across origins. */
  pageOrigin?: string
}

/**
 * Main's media protocol, as a fetch-style handler (`protocol.handle` in the app; the test harness
 * serves the same function). Addressed by case, never by a path: `/case/<videoidPk>/video` and
 * `/case/<videoidPk>/snapshot/<id>`. Answers `Range` itself (206, `Content-Range`, 416), streaming
 * from disk, and serves a video while it downloads, waiting for the bytes asked for.
 */
export function createMediaHandler(options: MediaHandlerOptions) {
  const base = options.basePath ?? ''
  const common = {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...(options.pageOrigin ? { 'Access-Control-Allow-Origin': options.pageOrigin } : {}),
  }
  return async (request: Request): Promise<Response> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method not allowed')
    const { pathname } = new URL(request.url)
    const relative = pathname.startsWith(base) ? pathname.slice(base.length) : ''
    const video = /^\/case\/(\d{1,15})\/video$/.exec(relative)
    const snapshot = /^\/case\/(\d{1,15})\/snapshot\/([\w-]{1,64})$/.exec(relative)
    if (snapshot) {
      const file = await options.video.snapshotFile(Number(snapshot[1]), snapshot[2] ?? '')
      if (!file) return plain(404, 'Not found', common)
      const body = request.method === 'HEAD' ? null : new Uint8Array(await readFile(file))
      return new Response(body, { status: 200, headers: { ...common, 'Content-Type': 'image/png' } })
    }
    if (!video) return plain(404, 'Not found', common)

    const source = await options.video.source(Number(video[1]))
    if (!source) return plain(404, 'This case has no video on this computer.', common)
    const transfer = 'transfer' in source ? source.transfer : undefined
    // A download that ends moves its file into place: from then on the whole file is the one to read.
    const fileNow = () => ('finalFile' in source && !existsSync(source.file) ? source.finalFile : source.file)
    // The size comes with the first piece; a download that never says it is served once it ends.
    while (transfer && transfer.total === undefined && transfer.state.status === 'downloading')
      await transfer.next()
    const size = transfer ? (transfer.total ?? transfer.bytes) : 'size' in source ? source.size : 0
    if (transfer && (!(await waitFor(transfer, Math.min(3, size - 1))) || transfer.state.status === 'failed'))
      return plain(404, 'This case has no video on this computer.', common)
    const range = parseRange(request.headers.get('range'), size)
    if (range === 'unsatisfiable')
      return plain(416, 'Range not satisfiable', { ...common, 'Content-Range': `bytes */${size}` })
    const served = range ?? { start: 0, end: size - 1 }
    // Read again once: the file may move into place between the look and the read. A download stopped
    // meanwhile (cancelled, the app quitting) leaves no file at all: then there is no video to serve.
    const type = await videoTypeOf(fileNow())
      .catch(() => videoTypeOf(fileNow()))
      .catch(() => undefined)
    if (!type) return plain(404, 'This case has no video on this computer.', common)
    const headers = {
      ...common,
      'Content-Type': type,
      'Accept-Ranges': 'bytes',
      'Content-Length': String(Math.max(0, served.end - served.start + 1)),
      ...(range ? { 'Content-Range': `bytes ${range.start}-${range.end}/${size}` } : {}),
    }
    const body = request.method === 'HEAD' || size === 0 ? null : streamRange(fileNow, served, transfer)
    return new Response(body, { status: range ? 206 : 200, headers })
  }
}
