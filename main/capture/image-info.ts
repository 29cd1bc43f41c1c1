import { crc32 } from 'node:zlib'

/** An image's format and size, from a walk of its whole structure. */
export interface ImageInfo {
  type: 'image/jpeg' | 'image/png'
  width: number
  height: number
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
/** JPEG's start-of-frame markers, which carry the size; not DHT (C4), JPG (C8) or DAC (CC). */
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf])
const SOS = 0xda
const EOI = 0xd9

/**
 * A PNG whose every chunk is whole and matches its CRC, that begins with its header, holds image data
 * and ends with IEND: a file cut short or altered on the way is not one.
 */
function png(data: Buffer): ImageInfo | undefined {
  if (data.length < 8 || !data.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined
  let info: ImageInfo | undefined
  let hasData = false
  for (let at = 8; at + 12 <= data.length; ) {
    const length = data.readUInt32BE(at)
    const end = at + 12 + length
    if (end > data.length) return undefined
    const type = data.toString('latin1', at + 4, at + 8)
    if (crc32(data.subarray(at + 4, at + 8 + length)) !== data.readUInt32BE(at + 8 + length)) return undefined
    if (!info) {
      if (type !== 'IHDR' || length !== 13) return undefined
      info = { type: 'image/png', width: data.readUInt32BE(at + 8), height: data.readUInt32BE(at + 12) }
    }
    if (type === 'IDAT') hasData = true
    if (type === 'IEND') return hasData && end === data.length ? info : undefined
    at = end
  }
  return undefined
}

/**
 * A JPEG whose segments follow one another up to its scan, with a frame header before it (the size),
 * and that ends with its end-of-image marker: a file cut short is not one.
 */
function jpeg(data: Buffer): ImageInfo | undefined {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8 || data[2] !== 0xff) return undefined
  if (data[data.length - 2] !== 0xff || data[data.length - 1] !== EOI) return undefined
  let info: ImageInfo | undefined
  for (let at = 2; at + 4 <= data.length; ) {
    if (data[at] !== 0xff) return undefined
    const marker = data[at + 1] ?? 0
    // Fill bytes and markers without a length (RSTn, TEM) stand alone.
    if (marker === 0xff) {
      at++
      continue
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2
      continue
    }
    // The scan's compressed data follows: the frame must be known by then.
    if (marker === SOS) return info
    if (marker === EOI) return undefined
    const length = data.readUInt16BE(at + 2)
    if (length < 2 || at + 2 + length > data.length) return undefined
    if (SOF.has(marker) && length >= 7)
      info = { type: 'image/jpeg', height: data.readUInt16BE(at + 5), width: data.readUInt16BE(at + 7) }
    at += 2 + length
  }
  return undefined
}

/** A JPEG or PNG image's type and size; undefined where the bytes are neither, or one cut or damaged. */
export const imageInfo = (data: Buffer): ImageInfo | undefined => {
  const found = png(data) ?? jpeg(data)
  return found && found.width > 0 && found.height > 0 ? found : undefined
}
