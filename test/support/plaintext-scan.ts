import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'

const BLOCK = 4096
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** Every file under a folder, however deep. */
export function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .map((name) => path.join(folder, name))
    .filter((file) => statSync(file).isFile())
}

/**
 * The MP4 box headers of a video's top level (size and type: `ftyp`, `moov`, `mdat`), as they stand in
 * the file. Eight bytes each: a stray four-letter match in megabytes of ciphertext is not a leak.
 */
function boxHeaders(video: Buffer): Buffer[] {
  const found: Buffer[] = []
  for (let at = 0; at + 8 <= video.length; ) {
    const size = video.readUInt32BE(at)
    const type = video.toString('latin1', at + 4, at + 8)
    if (['ftyp', 'moov', 'mdat'].includes(type)) found.push(video.subarray(at, at + 8))
    if (size < 8) break
    at += size
  }
  return found
}

/**
 * What of the plaintext shows in the files under `folder`: the videos' MP4 box headers, a PNG
 * signature, or any 4 KiB block of a video (at any offset of a file). Empty when nothing does.
 */
export function plaintextIn(folder: string, videos: Buffer[]): string[] {
  const blocks = new Map<number, Buffer[]>()
  for (const video of videos) {
    for (let at = 0; at + BLOCK <= video.length; at += BLOCK) {
      const block = video.subarray(at, at + BLOCK)
      const first = block.readUInt32BE(0)
      const known = blocks.get(first) ?? []
      if (!known.some((other) => other.equals(block))) blocks.set(first, [...known, block])
    }
  }
  const headers = videos.flatMap(boxHeaders)
  const found: string[] = []
  for (const file of filesUnder(folder)) {
    const data = readFileSync(file)
    const name = path.relative(folder, file)
    for (const header of headers)
      if (data.includes(header)) found.push(`${name}: the box header ${header.toString('latin1', 4)}`)
    if (data.includes(PNG_SIGNATURE)) found.push(`${name}: a PNG signature`)
    for (let at = 0; at + BLOCK <= data.length; at++) {
      const candidates = blocks.get(data.readUInt32BE(at))
      if (candidates?.some((block) => data.compare(block, 0, BLOCK, at, at + BLOCK) === 0)) {
        found.push(`${name}: a 4 KiB block of a video at ${at}`)
        break
      }
    }
  }
  return found
}
