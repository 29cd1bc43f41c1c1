/** An image's format and size, read from its header alone. */
export interface ImageInfo {
  type: 'image/jpeg' | 'image/png'
  width: number
  height: number
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
/** JPEG's start-of-frame markers, which carry the size; not DHT (C4), JPG (C8) or DAC (CC). */
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf])

function png(data: Buffer): ImageInfo | undefined {
  if (data.length < 24 || !data.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined
  if (data.toString('latin1', 12, 16) !== 'IHDR') return undefined
  return { type: 'image/png', width: data.readUInt32BE(16), height: data.readUInt32BE(20) }
}

function jpeg(data: Buffer): ImageInfo | undefined {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8 || data[2] !== 0xff) return undefined
  for (let at = 2; at + 9 <= data.length; ) {
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
    if (SOF.has(marker))
      return { type: 'image/jpeg', height: data.readUInt16BE(at + 5), width: data.readUInt16BE(at + 7) }
    if (marker === 0xd9 || marker === 0xda) return undefined
    at += 2 + data.readUInt16BE(at + 2)
  }
  return undefined
}

/** A JPEG or PNG image's type and size; undefined where the bytes are neither. */
export const imageInfo = (data: Buffer): ImageInfo | undefined => {
  const found = png(data) ?? jpeg(data)
  return found && found.width > 0 && found.height > 0 ? found : undefined
}
