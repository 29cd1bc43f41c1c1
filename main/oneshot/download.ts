import { randomUUID } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { request } from 'undici'
import { AppError } from '../../shared/errors'
import { flushFile, fsCalls, renameDurably } from '../fs/durable'
import { fromHttpStatus, fromTransportError, unexpectedAnswer } from './errors'
import { type HttpContext, readLimited, serverMessage } from './http'

export interface TransferProgress {
  bytes: number
  /** Undefined when the server does not say how long the file is. */
  total: number | undefined
}

/** Where a download's body goes, in order (the video cache's seals it: no video is written in the clear). */
export interface PartWriter {
  write(piece: Buffer): void
  /** The body is whole: what is held back goes out. */
  end(): void
  /** Closes the part file it was given. */
  close(): void
}

export interface DownloadOptions {
  /** Told the temporary file the video is written to, so that it can be read while it grows. */
  onPartFile?: (file: string) => void
  /** Makes the writer for a freshly opened part file (each time the download starts over). */
  writer: (fd: number) => PartWriter
  /**
   * Told of each answer that starts the body (again, after a start over): its strong ETag, if any, names
   * the version of the file a range read ahead must come from.
   */
  onAnswer?: (answer: { validator: string | undefined }) => void
  onProgress?: (progress: TransferProgress) => void
  signal?: AbortSignal
}

export interface DownloadResult {
  file: string
  bytes: number
  contentType: string
}

/** Fresh starts after the server could not resume (no `Range` support, or the file changed meanwhile). */
const MAX_START_OVERS = 2
/** How much of a video's start tells MP4 and WebM apart. */
const HEAD_BYTES = 12

/** MP4 (an ISO-BMFF box at offset 4) or WebM/Matroska (EBML magic). */
export function looksLikeVideo(head: Buffer): boolean {
  const box = head.subarray(4, 8).toString('latin1')
  if (['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide'].includes(box)) return true
  return head.subarray(0, 4).equals(Buffer.from([0x1a, 0x45, 0xdf, 0xa3]))
}

/** A file operation on this computer failed (a full disk, a folder that cannot be written): not the network. */
export function storageError(
  error: unknown,
  message = 'The video could not be saved on this computer.',
): AppError {
  const { code, message: text } = (error ?? {}) as { code?: unknown; message?: unknown }
  const detail = code === 'ENOSPC' ? 'the disk is full' : typeof text === 'string' ? text : undefined
  return new AppError('storage', message, detail)
}

function onDisk<T>(operation: () => T): T {
  try {
    return operation()
  } catch (error) {
    throw storageError(error)
  }
}

/** undici's retry interceptor gave up resuming: the server ignored `Range`, or the file changed (ETag). */
function cannotResume(error: unknown): boolean {
  const { code, statusCode } = (error ?? {}) as { code?: unknown; statusCode?: unknown }
  return code === 'UND_ERR_REQ_RETRY' && (statusCode === 200 || statusCode === 206)
}

async function downloadOnce(
  context: HttpContext,
  apiPath: string,
  part: string,
  options: DownloadOptions,
): Promise<Omit<DownloadResult, 'file'>> {
  // Opened first, so that nothing is asked of the Optimizer when the video has nowhere to go.
  const fd = onDisk(() => fsCalls.openSync(part, 'w', 0o600))
  let writer: PartWriter
  try {
    writer = options.writer(fd)
  } catch (error) {
    fsCalls.closeSync(fd)
    throw storageError(error)
  }
  try {
    const result = await receive(context, apiPath, writer, options)
    onDisk(() => writer.end())
    // On disk before it is renamed into place, off the event loop: a long video flushes for a while.
    await flushFile(fd).catch((error: unknown) => {
      throw storageError(error)
    })
    return result
  } finally {
    onDisk(() => writer.close())
  }
}

async function receive(
  context: HttpContext,
  apiPath: string,
  writer: PartWriter,
  options: DownloadOptions,
): Promise<Omit<DownloadResult, 'file'>> {
  const response = await request(`${context.baseUrl()}${apiPath}`, {
    method: 'GET',
    dispatcher: context.dispatcher,
    headers: { accept: 'video/mp4, video/webm, video/*' },
    ...(options.signal ? { signal: options.signal } : {}),
  })
  if (response.statusCode < 200 || response.statusCode >= 300) {
    const text = await readLimited(response.body, 64 * 1024).catch(() => '')
    throw fromHttpStatus(response.statusCode, serverMessage(text))
  }
  const length = Number(response.headers['content-length'])
  const total = Number.isSafeInteger(length) && length >= 0 ? length : undefined
  const etag = response.headers.etag
  // A weak ETag cannot name a version for `If-Range` (RFC 9110 §13.1.5).
  options.onAnswer?.({ validator: typeof etag === 'string' && etag.startsWith('"') ? etag : undefined })
  let bytes = 0
  let head = Buffer.alloc(0)
  // Each piece goes straight to the OS file cache as it arrives: a synchronous write of one socket read
  // (64 KiB) takes microseconds, where a round trip through the thread pool per piece measured 50% slower.
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    onDisk(() => writer.write(chunk))
    if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk]).subarray(0, HEAD_BYTES)
    bytes += chunk.length
    options.onProgress?.({ bytes, total })
  }
  if (total !== undefined && bytes !== total)
    throw unexpectedAnswer(`the video ended after ${bytes} of ${total} bytes`)
  const contentType = String(response.headers['content-type'] ?? 'application/octet-stream')
  if (!looksLikeVideo(head)) {
    // A page or a JSON answer where a video belongs is not the Optimizer serving a video (a proxy's login
    // page, a wrong address); anything else is a video file that is empty or damaged.
    if (/html|json|text\//i.test(contentType))
      throw unexpectedAnswer('the download is not an MP4 or WebM video')
    throw new AppError(
      'not_a_video',
      'The Optimizer sent a file that is empty or not a video.',
      bytes === 0 ? 'the file is empty' : 'the file is neither MP4 nor WebM',
    )
  }
  return { bytes, contentType }
}

/**
 * Streams a video to a temporary file beside `target`, with progress and cancellation; an interrupted
 * body is resumed with `Range` by the transport where the server allows it, and started over where it
 * does not. Only a whole, checked file is renamed into place (atomically); a partial file never is,
 * and none is left behind.
 */
export async function downloadVideo(
  context: HttpContext,
  apiPath: string,
  target: string,
  options: DownloadOptions,
): Promise<DownloadResult> {
  const part = `${target}.${randomUUID()}.part`
  options.onPartFile?.(part)
  const started = Date.now()
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await downloadOnce(context, apiPath, part, options)
        onDisk(() => renameDurably(part, target))
        context.log.info('video downloaded', {
          path: apiPath,
          bytes: result.bytes,
          ms: Date.now() - started,
        })
        return { file: target, ...result }
      } catch (error) {
        if (attempt < MAX_START_OVERS && cannotResume(error)) {
          context.log.warn('video download starts over: the server cannot resume it', { path: apiPath })
          continue
        }
        const failure = fromTransportError(error)
        context.log.warn('video download failed', { path: apiPath, code: failure.code })
        throw failure
      }
    }
  } finally {
    await rm(part, { force: true })
  }
}

export interface RangeOptions {
  signal?: AbortSignal
  /** The version the range must come from (a strong ETag): another answers whole, and nothing is kept. */
  ifRange?: string
}

/**
 * Streams one byte range of a video to `onPiece` as it arrives (an MP4's index at its end), never more
 * than the range. Only a 206 answer for exactly that range counts: an Optimizer that ignores `Range`, or
 * whose file is no longer the version `ifRange` names, gives nothing to read out of order. Answers
 * whether the whole range came; `onPiece` may throw to stop.
 */
export async function readVideoRange(
  context: HttpContext,
  apiPath: string,
  range: { start: number; end: number },
  onPiece: (piece: Buffer) => void,
  { signal, ifRange }: RangeOptions = {},
): Promise<boolean> {
  const { start, end } = range
  const response = await request(`${context.baseUrl()}${apiPath}`, {
    method: 'GET',
    dispatcher: context.dispatcher,
    headers: {
      accept: 'video/mp4, video/*',
      range: `bytes=${start}-${end}`,
      ...(ifRange ? { 'if-range': ifRange } : {}),
    },
    ...(signal ? { signal } : {}),
  }).catch((error: unknown) => {
    throw fromTransportError(error)
  })
  const answered = String(response.headers['content-range'] ?? '')
  if (response.statusCode !== 206 || !answered.startsWith(`bytes ${start}-${end}/`)) {
    await response.body.dump()
    return false
  }
  const wanted = end - start + 1
  let bytes = 0
  try {
    for await (const piece of response.body as AsyncIterable<Buffer>) {
      const taken = piece.subarray(0, wanted - bytes)
      bytes += taken.length
      onPiece(taken)
      if (bytes === wanted) break
    }
  } finally {
    response.body.destroy()
  }
  return bytes === wanted
}
