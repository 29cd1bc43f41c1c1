import { indexAtEnd } from './mp4-layout'
import type { ByteRange } from './range'
import { CHUNK_BYTES, createChunker } from './sealed-file'

/** The most an index fetched ahead may take: an hour-long video's index takes a few MB. */
export const INDEX_AHEAD_MAX_BYTES = 16 * 1024 * 1024

export interface IndexAheadOptions {
  /** The video's first bytes (a few KiB), where its top-level boxes say where the index is. */
  head: Buffer
  total: number
  /**
   * The version of the file being downloaded (its strong ETag): the range is asked for only from that
   * version (`If-Range`), or, where the Optimizer names none, not at all: two versions never mix.
   */
  validator: string | undefined
  /** Where chunks go, out of order; one already on disk is not written again. */
  has(index: number): boolean
  writeChunk(index: number, plain: Buffer, last: boolean): void
  /** Streams one range of that version from the Optimizer; answers whether all of it came. */
  readRange(range: ByteRange, ifRange: string, onPiece: (piece: Buffer) => void): Promise<boolean>
}

export type IndexAhead =
  | 'not_needed'
  | 'no_validator'
  | 'too_large'
  | 'not_an_index'
  | 'incomplete'
  | 'fetched'

/**
 * An MP4 whose index (`moov`) comes after its media data cannot play until the index is in: it is
 * fetched ahead with a range of its own, from the start of its chunk to the end, checked to start with
 * a `moov` box before anything is kept, and sealed to disk chunk by chunk as it streams in (never whole
 * in memory), while the rest of the video arrives in order.
 */
export async function fetchIndexAhead(options: IndexAheadOptions): Promise<IndexAhead> {
  const indexStart = indexAtEnd(options.head, options.total)
  if (indexStart === undefined) return 'not_needed'
  const first = Math.floor(indexStart / CHUNK_BYTES)
  const start = first * CHUNK_BYTES
  if (options.has(first)) return 'not_needed'
  if (options.total - start > INDEX_AHEAD_MAX_BYTES) return 'too_large'
  if (options.validator === undefined) return 'no_validator'
  // The box's size and type, at its offset in the range, are read before anything is written.
  const typeEnd = indexStart - start + 8
  const held: Buffer[] = []
  let heldBytes = 0
  let checked = false
  const chunker = createChunker(first, (index, plain, last) => options.writeChunk(index, plain, last))
  let notAnIndex = false
  const whole = await options
    .readRange({ start, end: options.total - 1 }, options.validator, (piece) => {
      if (checked) return chunker.write(piece)
      held.push(piece)
      heldBytes += piece.length
      if (heldBytes < typeEnd) return
      const bytes = Buffer.concat(held)
      if (bytes.toString('latin1', typeEnd - 4, typeEnd) !== 'moov') {
        notAnIndex = true
        throw new Error('not an MP4 index')
      }
      checked = true
      chunker.write(bytes)
    })
    .catch((error: unknown) => {
      if (notAnIndex) return false
      throw error
    })
  if (notAnIndex) return 'not_an_index'
  if (!whole || !checked) return 'incomplete'
  chunker.end()
  return 'fetched'
}
