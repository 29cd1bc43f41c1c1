import type { FileHandle } from 'node:fs/promises'
import type { ByteRange } from './range'
import {
  CHUNK_BYTES,
  chunkCount,
  chunkOffset,
  openChunk,
  SEALED_CHUNK_BYTES,
  sealedChunkLength,
} from './sealed-file'

/** Chunks read from disk at once: a quarter MiB, about what a player asks for between two seeks. */
const BATCH_CHUNKS = 4

/** What the media protocol serves: a video's plain size and type, and any range of its bytes. */
export interface MediaSource {
  size: number
  type: string
  stream(range: ByteRange): ReadableStream<Uint8Array>
}

/** A sealed file's chunks: where they are, and (while it downloads) when they come. */
export interface SealedChunks {
  fileKey: Buffer
  plainSize: number
  open(): Promise<FileHandle>
  /** Resolves once the byte at `position` can be read, on disk or in memory; false once it never will. */
  ready(position: number): Promise<boolean>
  /** Whether chunk `index` is on disk, whole. */
  has(index: number): boolean
  /** The bytes from `position` in the chunk being downloaded, copied, where they are held in memory. */
  inMemory(position: number): Buffer | undefined
  /** Told when a chunk fails its authentication. */
  onDamage(): void
}

/** A run of chunks read from disk in one read, still sealed, into a buffer used again once opened. */
interface SealedRun {
  first: number
  count: number
  buffer: Buffer
  bytes: Promise<Buffer>
}

function readRun(
  handle: FileHandle,
  plainSize: number,
  first: number,
  count: number,
  buffer: Buffer,
): SealedRun {
  const last = first + count - 1
  const from = chunkOffset(first)
  const sealed = buffer.subarray(0, chunkOffset(last) + sealedChunkLength(last, plainSize) - from)
  // A short read (the file cut meanwhile) leaves in the buffer bytes this read did not put there. No
  // length check: each chunk's tag is the check. Under the file's own key, bound to the chunk's index, only
  // that very chunk's sealed bytes open, and anything else ends the response as damaged.
  const bytes = handle.read(sealed, 0, sealed.length, from).then(() => sealed)
  // A run read ahead may be dropped (the stream cancelled, a seek): its failure is then nobody's.
  bytes.catch(() => undefined)
  return { first, count, buffer, bytes }
}

/** The plaintext of a run's chunks, each opened on its own. */
async function openRun(chunks: SealedChunks, run: SealedRun): Promise<Buffer[]> {
  const lastOfFile = chunkCount(chunks.plainSize) - 1
  const from = chunkOffset(run.first)
  const plain: Buffer[] = []
  try {
    const sealed = await run.bytes
    for (let index = run.first; index < run.first + run.count; index++) {
      const at = chunkOffset(index) - from
      const piece = sealed.subarray(at, at + sealedChunkLength(index, chunks.plainSize))
      plain.push(openChunk(chunks.fileKey, index, index === lastOfFile, piece))
    }
  } catch (error) {
    chunks.onDamage()
    throw error
  }
  return plain
}

/**
 * Streams `range` of a sealed file's plaintext, a few chunks at a time, opening only the chunks that
 * cover it. While the file downloads, a chunk not on disk yet is waited for (or copied from memory, the
 * one being filled); a chunk that fails its authentication ends the stream with `media_damaged`.
 */
export function streamSealed(chunks: SealedChunks, range: ByteRange): ReadableStream<Uint8Array> {
  let position = range.start
  const lastWanted = Math.floor(range.end / CHUNK_BYTES)
  let handle: FileHandle | undefined
  const close = async () => {
    await handle?.close().catch(() => undefined)
    handle = undefined
  }
  /** The run read ahead while the one before was opened: disk and decryption overlap. */
  let ahead: SealedRun | undefined
  /** Run buffers whose chunks are opened, for the next reads: fewer buffers for the collector. */
  const spare: Buffer[] = []
  const read = (file: FileHandle, first: number, count: number) =>
    readRun(
      file,
      chunks.plainSize,
      first,
      count,
      spare.pop() ?? Buffer.allocUnsafe(BATCH_CHUNKS * SEALED_CHUNK_BYTES),
    )
  /** How many chunks from `first` on are on disk and wanted, up to a batch. */
  const onDisk = (first: number) => {
    let count = 0
    while (count < BATCH_CHUNKS && first + count <= lastWanted && chunks.has(first + count)) count++
    return count
  }
  /** The next pieces of the range, from `position` on. */
  async function next(): Promise<Buffer[]> {
    for (;;) {
      if (!(await chunks.ready(position))) throw new Error('the download ended before this part of the video')
      const first = Math.floor(position / CHUNK_BYTES)
      const count = onDisk(first)
      if (count > 0) {
        handle ??= await chunks.open()
        const run = ahead?.first === first && ahead.count === count ? ahead : read(handle, first, count)
        const following = onDisk(first + count)
        ahead = following > 0 ? read(handle, first + count, following) : undefined
        const plain = await openRun(chunks, run)
        spare.push(run.buffer)
        return plain.map((piece, offset) => {
          const chunkStart = (first + offset) * CHUNK_BYTES
          return piece.subarray(Math.max(0, position - chunkStart), range.end - chunkStart + 1)
        })
      }
      const held = chunks.inMemory(position)
      if (held) return [held.subarray(0, range.end - position + 1)]
    }
  }
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          for (const piece of await next()) {
            position += piece.length
            controller.enqueue(piece)
          }
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

/** One range of a sealed file's plaintext, whole, in memory (a few bytes to tell its type, say). */
export async function readSealed(chunks: SealedChunks, range: ByteRange): Promise<Buffer> {
  return Buffer.from(await new Response(streamSealed(chunks, range)).arrayBuffer())
}

/** WebM where the file starts as WebM/Matroska does; MP4 otherwise. */
export const videoTypeOf = (head: Buffer) =>
  head.subarray(0, 4).equals(Buffer.from([0x1a, 0x45, 0xdf, 0xa3])) ? 'video/webm' : 'video/mp4'
