import { randomUUID } from 'node:crypto'
import { closeSync, openSync, writeSync } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { request } from 'undici'
import { AppError } from '../../shared/errors'
import { fromHttpStatus, fromTransportError, unexpectedAnswer } from './errors'
import { type HttpContext, readLimited, serverMessage } from './http'

export interface TransferProgress {
  bytes: number
  /** Undefined when the server does not say how long the file is. */
  total: number | undefined
}

export interface DownloadOptions {
  /** Told the temporary file the video is written to, so that it can be read while it grows. */
  onPartFile?: (file: string) => void
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

/** MP4 (an ISO-BMFF box at offset 4) or WebM/Matroska (EBML magic). */
export function looksLikeVideo(head: Buffer): boolean {
  const box = head.subarray(4, 8).toString('latin1')
  if (['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide'].includes(box)) return true
  return head.subarray(0, 4).equals(Buffer.from([0x1a, 0x45, 0xdf, 0xa3]))
}

/** The first bytes of a file, as many as it has up to `length`. */
export async function readHead(file: string, length: number): Promise<Buffer> {
  const handle = await open(file, 'r')
  try {
    const buffer = Buffer.alloc(length)
    const { bytesRead } = await handle.read(buffer, 0, length, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/** A file operation on this computer failed (a full disk, a folder that cannot be written): not the network. */
function storageError(error: unknown): AppError {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  const detail = code === 'ENOSPC' ? 'the disk is full' : typeof message === 'string' ? message : undefined
  return new AppError('storage', 'The video could not be saved on this computer.', detail)
}

function onDisk<T>(operation: () => T): T {
  try {
    return operation()
  } catch (error) {
    throw storageError(error)
  }
}

/** A write may take only part of a piece (a disk filling up does that): the rest goes in another. */
function writeAll(file: number, chunk: Buffer): void {
  for (let written = 0; written < chunk.length; ) written += writeSync(file, chunk, written)
}

/** undici's retry interceptor gave up resuming: the server ignored `Range`, or the file changed (ETag). */
function cannotResume(error: unknown): boolean {
  const { code, statusCode } = (error ?? {}) as { code?: unknown; statusCode?: unknown }
  return code === 'UND_ERR_REQ_RETRY' && (statusCode === 200 || statusCode === 206)
}

async function downloadOnce(
  context: HttpContext,
  path: string,
  part: string,
  options: DownloadOptions,
): Promise<Omit<DownloadResult, 'file'>> {
  // Opened first, so that nothing is asked of the Optimizer when the video has nowhere to go.
  const file = onDisk(() => openSync(part, 'w'))
  try {
    return await receive(context, path, file, part, options)
  } finally {
    onDisk(() => closeSync(file))
  }
}

async function receive(
  context: HttpContext,
  path: string,
  file: number,
  part: string,
  options: DownloadOptions,
): Promise<Omit<DownloadResult, 'file'>> {
  const response = await request(`${context.baseUrl()}${path}`, {
    method: 'GET',
    dispatcher: context.dispatcher,
    headers: { accept: 'video/mp4, video/webm, video/*' },
    ...(options.signal ? { signal: options.signal } : {}),
  })
  if (response.statusCode < 200 || response.statusCode >= 300) {
    const text = await readLimited(response.body, 64 * 1024).catch(() => '')
    throw fromHttpStatus(response.statusCode, serverMessage(text, []))
  }
  const length = Number(response.headers['content-length'])
  const total = Number.isSafeInteger(length) && length >= 0 ? length : undefined
  let bytes = 0
  // Each piece goes straight to the OS file cache as it arrives: a synchronous write of one socket read
  // (64 KiB) takes microseconds, where a round trip through the thread pool per piece measured 50% slower.
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    onDisk(() => writeAll(file, chunk))
    bytes += chunk.length
    options.onProgress?.({ bytes, total })
  }
  if (total !== undefined && bytes !== total)
    throw unexpectedAnswer(`the video ended after ${bytes} of ${total} bytes`)
  const contentType = String(response.headers['content-type'] ?? 'application/octet-stream')
  if (!looksLikeVideo(await readHead(part, 12))) {
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
  path: string,
  target: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const part = `${target}.${randomUUID()}.part`
  options.onPartFile?.(part)
  const started = Date.now()
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await downloadOnce(context, path, part, options)
        await rename(part, target).catch((error: unknown) => {
          throw storageError(error)
        })
        context.log.info('video downloaded', { path, bytes: result.bytes, ms: Date.now() - started })
        return { file: target, ...result }
      } catch (error) {
        if (attempt < MAX_START_OVERS && cannotResume(error)) {
          context.log.warn('video download starts over: the server cannot resume it', { path })
          continue
        }
        const failure = fromTransportError(error)
        context.log.warn('video download failed', { path, code: failure.code })
        throw failure
      }
    }
  } finally {
    await rm(part, { force: true })
  }
}

/**
 * Reads one byte range of a video into memory (an MP4's index at its end: kilobytes to a few MB). Only
 * a 206 answer counts: an Optimizer that ignores `Range` gives nothing to read out of order.
 */
export async function readVideoRange(
  context: HttpContext,
  path: string,
  start: number,
  end: number,
  signal?: AbortSignal,
): Promise<Buffer | undefined> {
  const response = await request(`${context.baseUrl()}${path}`, {
    method: 'GET',
    dispatcher: context.dispatcher,
    headers: { accept: 'video/mp4, video/*', range: `bytes=${start}-${end}` },
    ...(signal ? { signal } : {}),
  }).catch((error: unknown) => {
    throw fromTransportError(error)
  })
  if (response.statusCode !== 206) {
    await response.body.dump()
    return undefined
  }
  const chunks: Buffer[] = []
  for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(chunk)
  const body = Buffer.concat(chunks)
  return body.length === end - start + 1 ? body : undefined
}
