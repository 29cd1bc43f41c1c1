import { randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { request } from 'undici'
import { AppError } from '../../shared/errors'
import type { TransferProgress } from './download'
import { fromTransportError } from './errors'
import { type HttpContext, interpretAnswer, MAX_JSON_BYTES, readLimited } from './http'

export interface UploadOptions {
  onProgress?: (progress: TransferProgress) => void
  signal?: AbortSignal
}

const VIDEO_TYPES: Readonly<Record<string, string>> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
}

/** A video to send: its name and type as the multipart part names them, its size, and its bytes in order. */
export interface VideoBody {
  filename: string
  type: string
  size: number
  read(): AsyncIterable<Buffer>
}

/** A video file on disk as a body, its type from its extension. */
async function fileBody(file: string): Promise<VideoBody> {
  let size: number
  try {
    const info = await stat(file)
    if (!info.isFile()) throw new Error('not a file')
    size = info.size
  } catch {
    throw new AppError('invalid_input', 'The video file cannot be read.', path.basename(file))
  }
  return {
    filename: path.basename(file),
    type: VIDEO_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    size,
    read: () => createReadStream(file) as AsyncIterable<Buffer>,
  }
}

/**
 * Streams a video (a file, or a body read as it goes: a capture's sealed pieces) as
 * `multipart/form-data` (field `video`). The multipart framing is written here, around the video's
 * stream, so the upload has an exact Content-Length and progress, and the video is never read into
 * memory. Never retried: a lost answer is settled by reading the request's status.
 */
export async function uploadVideo(
  context: HttpContext,
  apiPath: string,
  video: string | VideoBody,
  options: UploadOptions = {},
): Promise<void> {
  const body = typeof video === 'string' ? await fileBody(video) : video
  const { size } = body
  const boundary = `----RaoDesk${randomUUID().replaceAll('-', '')}`
  const filename = body.filename.replace(/["\r\n\\]/g, '_')
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="video"; filename="${filename}"\r\nContent-Type: ${body.type}\r\n\r\n`,
  )
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
  async function* parts() {
    yield head
    let bytes = 0
    for await (const chunk of body.read()) {
      bytes += chunk.length
      // A body longer than it said would send a broken request: stop it here.
      if (bytes > size) throw new AppError('internal', 'The video is longer than its stated size.')
      options.onProgress?.({ bytes, total: size })
      yield chunk
    }
    yield tail
  }

  const started = Date.now()
  try {
    const response = await request(`${context.baseUrl()}${apiPath}`, {
      method: 'POST',
      dispatcher: context.dispatcher,
      headers: {
        accept: 'application/json',
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(head.length + size + tail.length),
      },
      // In bytes, not pieces: what waits to be sent stays a few pieces, never the whole video.
      body: Readable.from(parts(), { objectMode: false, highWaterMark: 64 * 1024 }),
      ...(options.signal ? { signal: options.signal } : {}),
    })
    const text = await readLimited(response.body, MAX_JSON_BYTES)
    context.log.info('video uploaded', {
      path: apiPath,
      status: response.statusCode,
      bytes: size,
      ms: Date.now() - started,
    })
    interpretAnswer(
      { statusCode: response.statusCode, contentType: String(response.headers['content-type'] ?? ''), text },
      // The video is a face and a document: a server repeating the body would show them.
      { carriesPersonalData: true },
    )
  } catch (error) {
    const failure = fromTransportError(error)
    if (!(error instanceof AppError))
      context.log.warn('video upload failed', { path: apiPath, code: failure.code })
    throw failure
  }
}
