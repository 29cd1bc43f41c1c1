import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { SealKey } from '../../../main/cases/seal'
import { openBuffer, openChunk, sealBuffer, sealChunk, sealHeader } from '../../../main/media/sealed-file'

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

/** Chunk `index` of a sealed file, as stored. */
const chunkAt = (sealed: Buffer, index: number) =>
  sealed.subarray(HEADER + index * SEALED_CHUNK, HEADER + (index + 1) * SEALED_CHUNK)

describe('the sealed file format', () => {
  it('opens what it sealed, at the size worked out by hand', () => {
    const sealed = sealBuffer(mediaKey, plain)
    expect(sealed.length).toBe(HEADER + plain.length + 4 * 28)
    expect(sealed.subarray(0, 4).toString('latin1')).toBe('RAOM')
    expect(openBuffer(mediaKey, sealed)).toEqual(plain)
    // An empty file is one empty last chunk.
    expect(sealBuffer(mediaKey, Buffer.alloc(0)).length).toBe(HEADER + 28)
    expect(openBuffer(mediaKey, sealBuffer(mediaKey, Buffer.alloc(0)))).toEqual(Buffer.alloc(0))
  })

  it('seals the same bytes differently each time: a fresh file key and fresh nonces', () => {
    const first = sealBuffer(mediaKey, plain)
    const second = sealBuffer(mediaKey, plain)
    expect(chunkAt(first, 0).equals(chunkAt(second, 0))).toBe(false)
    const fileKey = randomBytes(32)
    const [once, twice] = [sealChunk(fileKey, 0, false, plain), sealChunk(fileKey, 0, false, plain)]
    expect(once[0]?.length).toBe(12)
    expect(once[0]?.equals(twice[0] ?? Buffer.alloc(0))).toBe(false)
  })

  it('tells a file another media key sealed apart from a damaged one', () => {
    const sealed = sealBuffer(mediaKey, plain)
    expect(openBuffer(key('ba9876543210'), sealed)).toBe('other_key')
    // The same id on another key (the id is a fingerprint; this cannot happen by chance): damage.
    expect(() => openBuffer(key(mediaKey.id), sealed)).toThrow(expect.objectContaining(damagedError))
  })

  it('detects a flipped bit anywhere: in a chunk, its nonce, its tag, or the header', () => {
    const sealed = sealBuffer(mediaKey, plain)
    for (const at of [
      HEADER + SEALED_CHUNK + 500, // chunk 1's ciphertext
      HEADER + 2 * SEALED_CHUNK + 3, // chunk 2's nonce
      HEADER + SEALED_CHUNK - 1, // chunk 0's tag
      14, // the header's plain size
      50, // the wrapped file key
    ]) {
      const flipped = Buffer.from(sealed)
      flipped[at] = (flipped[at] ?? 0) ^ 0x04
      expect(() => openBuffer(mediaKey, flipped), `byte ${at}`).toThrow(expect.objectContaining(damagedError))
    }
  })

  it('detects two swapped chunks', () => {
    const sealed = sealBuffer(mediaKey, plain)
    const swapped = Buffer.concat([
      sealed.subarray(0, HEADER),
      chunkAt(sealed, 1),
      chunkAt(sealed, 0),
      sealed.subarray(HEADER + 2 * SEALED_CHUNK),
    ])
    expect(swapped.length).toBe(sealed.length)
    expect(() => openBuffer(mediaKey, swapped)).toThrow(expect.objectContaining(damagedError))
  })

  it('detects a file cut short, mid-chunk or at a chunk boundary', () => {
    const sealed = sealBuffer(mediaKey, plain)
    for (const length of [sealed.length - 1, HEADER + 3 * SEALED_CHUNK, HEADER + 2 * SEALED_CHUNK + 100])
      expect(() => openBuffer(mediaKey, sealed.subarray(0, length)), `${length} bytes`).toThrow(
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
    const sealed = sealBuffer(mediaKey, zeros)
    expect(sealed.includes(Buffer.alloc(64))).toBe(false)
    expect(sealHeader(mediaKey, randomBytes(32)).includes(mediaKey.key)).toBe(false)
  })
})
