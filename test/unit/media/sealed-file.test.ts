import { randomBytes } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { SealKey } from '../../../main/cases/seal'
import {
  createSealedWriter,
  openBuffer,
  openChunk,
  openUnbound,
  sealBuffer,
  sealChunk,
  sealHeader,
} from '../../../main/media/sealed-file'
import { sealVersion1 } from './version1'

// The cache's file format on its own. Sizes by hand: a 92-byte header (32 bytes of fields, a 12-byte
// nonce, the 32-byte file key wrapped, a 16-byte tag), then chunks of 64 KiB of plaintext, each sealed
// with a 12-byte nonce before it and a 16-byte tag after it.
const HEADER = 92
const CHUNK = 64 * 1024
const SEALED_CHUNK = CHUNK + 28
const key = (id: string): SealKey => ({ id, key: randomBytes(32) })
const mediaKey = key('0123456789ab')
const plain = randomBytes(3 * CHUNK + 1000) // three full chunks and a short last one
const damagedError = { code: 'media_damaged' }
/** Where a file lies, as the cache binds it: its case's stem, and a snapshot's id. */
const PLACE = 'snapshot 0a1b2c3d4e5f-16673 1762074930000-0a1b2c3d'
const seal = (plain: Buffer, key = mediaKey) => sealBuffer(key, plain, PLACE)
const open = (sealed: Buffer, key = mediaKey) => openBuffer(key, sealed, PLACE)

/** Chunk `index` of a sealed file, as stored. */
const chunkAt = (sealed: Buffer, index: number) =>
  sealed.subarray(HEADER + index * SEALED_CHUNK, HEADER + (index + 1) * SEALED_CHUNK)

describe('the sealed file format', () => {
  it('opens what it sealed, at the size worked out by hand', () => {
    const sealed = seal(plain)
    expect(sealed.length).toBe(HEADER + plain.length + 4 * 28)
    expect(sealed.subarray(0, 5)).toEqual(Buffer.from('RAOM\x02', 'latin1'))
    expect(open(sealed)).toEqual(plain)
    // An empty file is one empty last chunk.
    expect(seal(Buffer.alloc(0)).length).toBe(HEADER + 28)
    expect(open(seal(Buffer.alloc(0)))).toEqual(Buffer.alloc(0))
  })

  it('seals the same bytes differently each time: a fresh file key and fresh nonces', () => {
    const first = seal(plain)
    const second = seal(plain)
    expect(chunkAt(first, 0).equals(chunkAt(second, 0))).toBe(false)
    const fileKey = randomBytes(32)
    const [once, twice] = [sealChunk(fileKey, 0, false, plain), sealChunk(fileKey, 0, false, plain)]
    expect(once[0]?.length).toBe(12)
    expect(once[0]?.equals(twice[0] ?? Buffer.alloc(0))).toBe(false)
  })

  it('tells a file another media key sealed apart from a damaged one', () => {
    const sealed = seal(plain)
    expect(open(sealed, key('ba9876543210'))).toBe('other_key')
    // The same id on another key (the id is a fingerprint; this cannot happen by chance): damage.
    expect(() => open(sealed, key(mediaKey.id))).toThrow(expect.objectContaining(damagedError))
  })

  it('takes a damaged key id for damage, never for another key’s file (which would purge the cache)', () => {
    const sealed = seal(plain)
    const flipped = Buffer.from(sealed)
    flipped[20 + 3] = (flipped[20 + 3] ?? 0) ^ 0x01 // a byte of the key id (bytes 20 to 31)
    expect(() => open(flipped)).toThrow(expect.objectContaining(damagedError))
  })

  it('opens a file only where it was sealed: copied over another case’s or snapshot’s name, it is damaged', () => {
    const sealed = seal(plain)
    for (const elsewhere of [
      'snapshot 0a1b2c3d4e5f-16674 1762074930000-0a1b2c3d', // another case
      'snapshot 0a1b2c3d4e5f-16673 1762074930001-0a1b2c3d', // another snapshot of the case
      'snapshot ffffffffffff-16673 1762074930000-0a1b2c3d', // the same pk at another Optimizer
      'video 0a1b2c3d4e5f-16673',
    ])
      expect(() => openBuffer(mediaKey, sealed, elsewhere), elsewhere).toThrow(
        expect.objectContaining(damagedError),
      )
  })

  it('reads a file of version 1 (bound to no place) only to seal it again', () => {
    const older = sealVersion1(mediaKey, plain)
    expect(open(older)).toBe('unbound')
    expect(openUnbound(mediaKey, older)).toEqual(plain)
    expect(openUnbound(key('ba9876543210'), older)).toBe('other_key')
    // A file of the current version is not taken for one of version 1.
    expect(() => openUnbound(mediaKey, seal(plain))).toThrow(expect.objectContaining(damagedError))
  })

  it('detects a flipped bit anywhere: in a chunk, its nonce, its tag, or the header', () => {
    const sealed = seal(plain)
    for (const at of [
      HEADER + SEALED_CHUNK + 500, // chunk 1's ciphertext
      HEADER + 2 * SEALED_CHUNK + 3, // chunk 2's nonce
      HEADER + SEALED_CHUNK - 1, // chunk 0's tag
      14, // the header's plain size
      50, // the wrapped file key
    ]) {
      const flipped = Buffer.from(sealed)
      flipped[at] = (flipped[at] ?? 0) ^ 0x04
      expect(() => open(flipped), `byte ${at}`).toThrow(expect.objectContaining(damagedError))
    }
  })

  it('detects two swapped chunks', () => {
    const sealed = seal(plain)
    const swapped = Buffer.concat([
      sealed.subarray(0, HEADER),
      chunkAt(sealed, 1),
      chunkAt(sealed, 0),
      sealed.subarray(HEADER + 2 * SEALED_CHUNK),
    ])
    expect(swapped.length).toBe(sealed.length)
    expect(() => open(swapped)).toThrow(expect.objectContaining(damagedError))
  })

  it('detects a file cut short, mid-chunk or at a chunk boundary', () => {
    const sealed = seal(plain)
    for (const length of [sealed.length - 1, HEADER + 3 * SEALED_CHUNK, HEADER + 2 * SEALED_CHUNK + 100])
      expect(() => open(sealed.subarray(0, length)), `${length} bytes`).toThrow(
        expect.objectContaining(damagedError),
      )
  })

  it('detects a file longer than its header says, though every chunk in it is sound', () => {
    const sealed = seal(plain)
    expect(() => open(Buffer.concat([sealed, Buffer.from('appended')]))).toThrow(
      expect.objectContaining(damagedError),
    )
  })

  it('authenticates each chunk with its index and whether it is the last', () => {
    const fileKey = randomBytes(32)
    const piece = randomBytes(1000)
    const sealed = Buffer.concat(sealChunk(fileKey, 7, false, piece))
    expect(openChunk(fileKey, 7, false, sealed)).toEqual(piece)
    // A chunk that was not the last, read as the last: a file cut off after it is caught.
    expect(() => openChunk(fileKey, 7, true, sealed)).toThrow(expect.objectContaining(damagedError))
    expect(() => openChunk(fileKey, 8, false, sealed)).toThrow(expect.objectContaining(damagedError))
    expect(() => openChunk(randomBytes(32), 7, false, sealed)).toThrow(expect.objectContaining(damagedError))
  })

  it('keeps the plaintext out of what it writes: no 4 KiB block of it, not even of zeros', () => {
    const zeros = Buffer.alloc(2 * CHUNK)
    const sealed = seal(zeros)
    expect(sealed.includes(Buffer.alloc(64))).toBe(false)
    expect(sealHeader(mediaKey, randomBytes(32), PLACE).includes(mediaKey.key)).toBe(false)
  })
})

describe('the sealed writer', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'rao-sealed-writer-'))
  const fileKey = randomBytes(32)

  it('writes each chunk once: the index fetched ahead is not written again when the body reaches it', () => {
    const file = path.join(folder, 'once.part')
    const fd = openSync(file, 'w+')
    const writer = createSealedWriter(fd, mediaKey, fileKey, 'video 0a1b2c3d4e5f-16673')
    writer.writeChunk(2, plain.subarray(2 * CHUNK, 3 * CHUNK), false)
    const chunkTwo = Buffer.from(chunkAt(readFileSync(file), 2))
    writer.write(plain)
    writer.end()
    writer.close()
    // A reader that saw chunk 2 on disk reads the same bytes later: it was never rewritten.
    const whole = readFileSync(file)
    expect(chunkAt(whole, 2).equals(chunkTwo)).toBe(true)
    expect(openBuffer(mediaKey, whole, 'video 0a1b2c3d4e5f-16673')).toEqual(plain)
  })

  it('once closed, writes nothing more: not into a file that has taken its descriptor since', () => {
    const fd = openSync(path.join(folder, 'closed.part'), 'w+')
    const writer = createSealedWriter(fd, mediaKey, fileKey, 'video 0a1b2c3d4e5f-16673')
    writer.close()
    const other = path.join(folder, 'other-file')
    writeFileSync(other, 'another file')
    const reused = openSync(other, 'r+')
    try {
      // The system gives the lowest free descriptor: the writer's, so a late write would land here.
      expect(reused).toBe(fd)
      writer.writeChunk(0, plain.subarray(0, CHUNK), false)
      writer.write(plain)
      expect(readFileSync(other, 'utf8')).toBe('another file')
    } finally {
      closeSync(reused)
    }
  })
})
