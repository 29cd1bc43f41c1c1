/**
 * Where an MP4 keeps its index (the `moov` box), read from the top-level boxes at the file's start:
 * undefined where the index comes first (or the layout cannot be read), or the offset the index starts
 * at, past the media data, where it comes last and must be fetched before the video can play.
 */
export function indexAtEnd(head: Buffer, total: number): number | undefined {
  let offset = 0
  while (offset + 8 <= head.length) {
    let size = head.readUInt32BE(offset)
    const type = head.toString('latin1', offset + 4, offset + 8)
    if (size === 1) {
      if (offset + 16 > head.length) return undefined
      size = Number(head.readBigUInt64BE(offset + 8))
    }
    if (type === 'moov') return undefined
    if (size < 8) return undefined
    const next = offset + size
    // The media data runs past what is read so far: the index, if any, is what follows it.
    if (type === 'mdat') return next < total ? next : undefined
    offset = next
  }
  return undefined
}
