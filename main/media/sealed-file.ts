import { createCipheriv, createDecipheriv, randomBytes, randomFillSync } from 'node:crypto'
import { closeSync, writeSync, writevSync } from 'node:fs'
import { AppError } from '../../shared/errors'
import type { SealKey } from '../cases/seal'

/*
 * How a video or a snapshot lies in the cache: sealed with AES-256-GCM in chunks, under a random key of
 * its own that the media key (in the OS keychain) wraps. The choices and where they come from are in
 * docs/architecture.md ("media").
 *
 *   header   "RAOM" | version (2) | 3 reserved | chunk size (u32) | plain size (u64; all ones while it
 *            is written) | media key id (12 ASCII) | nonce (12) | file key wrapped (32) | tag (16)
 *            The wrap authenticates the 32 bytes of fields before it and the file's place (its case,
 *            and a snapshot's id: `binding`), so a file copied over another's name does not open.
 *   chunk i  nonce (12, random) | ciphertext (up to the chunk size) | tag (16)
 *            Associated data: i (u64) and whether it is the last chunk (u8), so chunks cannot be
 *            reordered, dropped or cut off unnoticed.
 *
 * Version 1 was the same, its wrap bound to no place: such files are upgraded (snapshots) or dropped
 * (videos, which download again) by the video cache.
 */
const MAGIC = Buffer.from('RAOM', 'latin1')
const VERSION = 2
/** Files sealed before they were bound to their place. */
const UNBOUND_VERSION = 1
export const CHUNK_BYTES = 64 * 1024
const NONCE_BYTES = 12
const TAG_BYTES = 16
const CHUNK_OVERHEAD = NONCE_BYTES + TAG_BYTES
export const SEALED_CHUNK_BYTES = CHUNK_BYTES + CHUNK_OVERHEAD
const FIELDS_BYTES = 32
const KEY_ID_AT = 20
const KEY_ID_BYTES = 12
export const HEADER_BYTES = FIELDS_BYTES + NONCE_BYTES + 32 + TAG_BYTES
const UNKNOWN_SIZE = 2n ** 64n - 1n

/** Chunks in a file of `plainSize` bytes: an empty file still has its one (empty) last chunk. */
export const chunkCount = (plainSize: number) => Math.max(1, Math.ceil(plainSize / CHUNK_BYTES))
/** Where chunk `index` starts in the sealed file. */
export const chunkOffset = (index: number) => HEADER_BYTES + index * SEALED_CHUNK_BYTES
export const sealedSize = (plainSize: number) =>
  HEADER_BYTES + plainSize + chunkCount(plainSize) * CHUNK_OVERHEAD
/** How many bytes of plaintext chunk `index` holds. */
export const chunkLength = (index: number, plainSize: number) =>
  Math.min(CHUNK_BYTES, plainSize - index * CHUNK_BYTES)
/** How many bytes chunk `index` takes sealed. */
export const sealedChunkLength = (index: number, plainSize: number) =>
  chunkLength(index, plainSize) + CHUNK_OVERHEAD

export const damaged = () => new AppError('media_damaged', 'The saved copy is damaged.')

function chunkData(index: number, last: boolean): Buffer {
  const data = Buffer.alloc(9)
  data.writeBigUInt64BE(BigInt(index))
  data[8] = last ? 1 : 0
  return data
}

/** What the key wrap authenticates: the header's fields and, from version 2 on, the file's place. */
function wrapData(fields: Buffer, binding: string | undefined): Buffer {
  return binding === undefined ? fields : Buffer.concat([fields, Buffer.from(binding, 'utf8')])
}

/**
 * The header for a file key, bound to the file's place (`binding`, say `video <stem>`): its size unknown
 * (being written) or known (whole).
 */
export function sealHeader(mediaKey: SealKey, fileKey: Buffer, binding: string, plainSize?: number): Buffer {
  const fields = Buffer.alloc(FIELDS_BYTES)
  MAGIC.copy(fields, 0)
  fields[4] = VERSION
  fields.writeUInt32BE(CHUNK_BYTES, 8)
  fields.writeBigUInt64BE(plainSize === undefined ? UNKNOWN_SIZE : BigInt(plainSize), 12)
  fields.write(mediaKey.id, KEY_ID_AT, KEY_ID_BYTES, 'latin1')
  const nonce = randomBytes(NONCE_BYTES)
  const cipher = createCipheriv('aes-256-gcm', mediaKey.key, nonce)
  cipher.setAAD(wrapData(fields, binding))
  const wrapped = Buffer.concat([cipher.update(fileKey), cipher.final()])
  return Buffer.concat([fields, nonce, wrapped, cipher.getAuthTag()])
}

/** The file key a header wraps, or undefined where the wrap does not authenticate under this media key. */
function unwrap(header: Buffer, mediaKey: SealKey, binding: string | undefined): Buffer | undefined {
  try {
    const nonce = header.subarray(FIELDS_BYTES, FIELDS_BYTES + NONCE_BYTES)
    const decipher = createDecipheriv('aes-256-gcm', mediaKey.key, nonce)
    decipher.setAAD(wrapData(header.subarray(0, FIELDS_BYTES), binding))
    decipher.setAuthTag(header.subarray(HEADER_BYTES - TAG_BYTES, HEADER_BYTES))
    const wrapped = header.subarray(FIELDS_BYTES + NONCE_BYTES, HEADER_BYTES - TAG_BYTES)
    return Buffer.concat([decipher.update(wrapped), decipher.final()])
  } catch {
    return undefined
  }
}

/** A header's format version, or undefined where it is no sealed file's header. */
const versionOf = (header: Buffer) =>
  header.length >= HEADER_BYTES && header.subarray(0, 4).equals(MAGIC) ? header[4] : undefined

/** Whether a header is of version 1: sealed before files were bound to their place. */
export const isUnbound = (header: Buffer) => versionOf(header) === UNBOUND_VERSION

/**
 * A whole file's key and size, read from its header and checked against its place (`binding`);
 * `other_key` where another media key sealed it, `unbound` where it is of version 1 (bound to no place),
 * `media_damaged` otherwise. A key id that is not this key's is taken for another key's only where the
 * wrap does not open with this key's id put back: a damaged id is damage, never a lost key.
 */
export function openHeader(
  header: Buffer,
  mediaKey: SealKey,
  binding: string,
): { fileKey: Buffer; plainSize: number } | 'other_key' | 'unbound' {
  return versionOf(header) === UNBOUND_VERSION ? 'unbound' : openWrap(header, mediaKey, binding)
}

/** `openHeader` for the version `binding` implies: 2 where it names a place, 1 where it is undefined. */
function openWrap(
  header: Buffer,
  mediaKey: SealKey,
  binding: string | undefined,
): { fileKey: Buffer; plainSize: number } | 'other_key' {
  const expected = binding === undefined ? UNBOUND_VERSION : VERSION
  if (versionOf(header) !== expected || header.readUInt32BE(8) !== CHUNK_BYTES) throw damaged()
  if (header.toString('latin1', KEY_ID_AT, KEY_ID_AT + KEY_ID_BYTES) !== mediaKey.id) {
    const ours = Buffer.from(header.subarray(0, HEADER_BYTES))
    ours.write(mediaKey.id, KEY_ID_AT, KEY_ID_BYTES, 'latin1')
    if (unwrap(ours, mediaKey, binding)) throw damaged()
    return 'other_key'
  }
  const size = header.readBigUInt64BE(12)
  const fileKey = unwrap(header, mediaKey, binding)
  if (!fileKey || size > BigInt(Number.MAX_SAFE_INTEGER)) throw damaged()
  return { fileKey, plainSize: Number(size) }
}

/**
 * Seals one chunk: its nonce, ciphertext and tag, in order (written as they are, not copied together).
 * A fresh random nonce each time, so a chunk written again never reuses one.
 */
export function sealChunk(fileKey: Buffer, index: number, last: boolean, plain: Buffer): Buffer[] {
  const nonce = randomFillSync(Buffer.allocUnsafe(NONCE_BYTES))
  const cipher = createCipheriv('aes-256-gcm', fileKey, nonce)
  cipher.setAAD(chunkData(index, last))
  const ciphertext = cipher.update(plain)
  cipher.final()
  return [nonce, ciphertext, cipher.getAuthTag()]
}

/** The plaintext of a sealed chunk, or `media_damaged` where it fails its authentication. */
export function openChunk(fileKey: Buffer, index: number, last: boolean, sealed: Buffer): Buffer {
  if (sealed.length < CHUNK_OVERHEAD) throw damaged()
  try {
    const decipher = createDecipheriv('aes-256-gcm', fileKey, sealed.subarray(0, NONCE_BYTES))
    decipher.setAAD(chunkData(index, last))
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
    const plain = decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES))
    decipher.final()
    return plain
  } catch {
    throw damaged()
  }
}

/** A small file (a snapshot) sealed whole, in memory, bound to its place. */
export function sealBuffer(mediaKey: SealKey, plain: Buffer, binding: string): Buffer {
  const fileKey = randomBytes(32)
  const count = chunkCount(plain.length)
  const parts = [sealHeader(mediaKey, fileKey, binding, plain.length)]
  for (let index = 0; index < count; index++) {
    const piece = plain.subarray(index * CHUNK_BYTES, index * CHUNK_BYTES + chunkLength(index, plain.length))
    parts.push(...sealChunk(fileKey, index, index === count - 1, piece))
  }
  return Buffer.concat(parts)
}

/** A small sealed file opened whole; `other_key` where another media key sealed it, `unbound` for version 1. */
export function openBuffer(
  mediaKey: SealKey,
  sealed: Buffer,
  binding: string,
): Buffer | 'other_key' | 'unbound' {
  const opened = openHeader(sealed, mediaKey, binding)
  return typeof opened === 'string' ? opened : openChunks(sealed, opened)
}

/** A small file of version 1 (bound to no place) opened whole, to be sealed again where it lies. */
export function openUnbound(mediaKey: SealKey, sealed: Buffer): Buffer | 'other_key' {
  const opened = openWrap(sealed, mediaKey, undefined)
  return opened === 'other_key' ? opened : openChunks(sealed, opened)
}

function openChunks(sealed: Buffer, { fileKey, plainSize }: { fileKey: Buffer; plainSize: number }): Buffer {
  if (sealed.length !== sealedSize(plainSize)) throw damaged()
  const count = chunkCount(plainSize)
  const plain: Buffer[] = []
  for (let index = 0; index < count; index++) {
    const at = chunkOffset(index)
    const piece = sealed.subarray(at, at + sealedChunkLength(index, plainSize))
    plain.push(openChunk(fileKey, index, index === count - 1, piece))
  }
  return Buffer.concat(plain)
}

/** A write may take only part of its buffers (a disk filling up does that): the rest goes in another. */
function writeAt(fd: number, parts: Buffer[], position: number): void {
  const length = parts.reduce((sum, part) => sum + part.length, 0)
  let written = writevSync(fd, parts, position)
  if (written === length) return
  const whole = Buffer.concat(parts)
  while (written < length) written += writeSync(fd, whole, written, length - written, position + written)
}

/**
 * Cuts bytes that arrive in order, from chunk `first` on, into chunks, and hands each to `put` sealed or
 * not. A full chunk is held back until more bytes come, since only the end says which chunk is the last.
 */
export function createChunker(first: number, put: (index: number, plain: Buffer, last: boolean) => void) {
  const pending = Buffer.allocUnsafe(CHUNK_BYTES)
  let index = first
  let filled = 0
  return {
    /** The chunk being filled, and how much of it is. */
    get index() {
      return index
    },
    get filled() {
      return filled
    },
    pending,
    write(piece: Buffer): void {
      for (let offset = 0; offset < piece.length; ) {
        if (filled === CHUNK_BYTES) {
          put(index, pending, false)
          index++
          filled = 0
        }
        const taken = Math.min(CHUNK_BYTES - filled, piece.length - offset)
        piece.copy(pending, filled, offset, offset + taken)
        filled += taken
        offset += taken
      }
    },
    /** The bytes ended: the chunk held is the last. Answers how many bytes came from chunk `first` on. */
    end(): number {
      put(index, pending.subarray(0, filled), true)
      return (index - first) * CHUNK_BYTES + filled
    },
  }
}

/**
 * Writes a video as it downloads into an open part file, sealed: the body in order through `write`, and
 * chunks out of order (an MP4's index fetched ahead) through `writeChunk`. Each chunk is written once,
 * by whichever comes first, so a reader that saw it on disk never reads it half rewritten. The chunk
 * being filled stays in memory, where a reader may copy it from.
 */
export function createSealedWriter(fd: number, mediaKey: SealKey, fileKey: Buffer, binding: string) {
  const onDisk = new Set<number>()
  let closed = false
  const put = (index: number, plain: Buffer, last: boolean) => {
    if (closed || onDisk.has(index)) return
    writeAt(fd, sealChunk(fileKey, index, last, plain), chunkOffset(index))
    onDisk.add(index)
  }
  writeAt(fd, [sealHeader(mediaKey, fileKey, binding)], 0)
  const inOrder = createChunker(0, put)
  return {
    fileKey,
    /** Whether chunk `index` is on disk, whole. */
    has: (index: number) => onDisk.has(index),
    /** Whether the byte at `position` can be read: its chunk on disk, or held in memory. */
    holds(position: number): boolean {
      const at = position - inOrder.index * CHUNK_BYTES
      return onDisk.has(Math.floor(position / CHUNK_BYTES)) || (at >= 0 && at < inOrder.filled)
    },
    /** Plaintext of the chunk being filled from `position` on, copied, where it holds that byte. */
    inMemory(position: number): Buffer | undefined {
      const at = position - inOrder.index * CHUNK_BYTES
      if (at < 0 || at >= inOrder.filled) return undefined
      return Buffer.from(inOrder.pending.subarray(at, inOrder.filled))
    },
    write: (piece: Buffer) => inOrder.write(piece),
    /** A chunk out of order; `last` where it ends the file. Ignored where it is on disk already. */
    writeChunk: put,
    /** The body is whole: its last chunk goes to disk, and the header takes the size. */
    end(): void {
      const plainSize = inOrder.end()
      writeAt(fd, [sealHeader(mediaKey, fileKey, binding, plainSize)], 0)
      closed = true
    },
    close(): void {
      closed = true
      closeSync(fd)
    },
  }
}

export type SealedWriter = ReturnType<typeof createSealedWriter>
