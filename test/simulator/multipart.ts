/**
 * The one part of `POST /videoid/{pk}/video`, read strictly from a `multipart/form-data` body (RFC 7578):
 * exactly one part, named `video` as the reference requires, with a file name, a video content type the
 * bytes bear out (MP4 or WebM, as the file name's extension says too), and some bytes.
 */
export type VideoPart =
  | { ok: true; filename: string; type: string; data: Buffer }
  | { ok: false; problem: string }

const TYPES: Readonly<Record<string, { extensions: string[]; looksLike: (data: Buffer) => boolean }>> = {
  'video/mp4': {
    extensions: ['.mp4', '.m4v'],
    looksLike: (data) => data.toString('latin1', 4, 8) === 'ftyp',
  },
  'video/quicktime': { extensions: ['.mov'], looksLike: (data) => data.toString('latin1', 4, 8) === 'ftyp' },
  'video/webm': {
    extensions: ['.webm'],
    looksLike: (data) => data.subarray(0, 4).equals(Buffer.from([0x1a, 0x45, 0xdf, 0xa3])),
  },
}

const failed = (problem: string): VideoPart => ({ ok: false, problem })

export function videoPart(contentType: string, body: Buffer): VideoPart {
  const boundary = /^multipart\/form-data;\s*boundary=("?)([^";]{1,70})\1\s*$/i.exec(contentType)?.[2]
  if (!boundary) return failed('Expected multipart/form-data with a boundary')
  const opening = Buffer.from(`--${boundary}\r\n`)
  const delimiter = Buffer.from(`\r\n--${boundary}`)
  if (!body.subarray(0, opening.length).equals(opening))
    return failed('The body does not start with its boundary')
  const end = body.indexOf(delimiter, opening.length)
  if (end < 0) return failed('The part has no closing boundary')
  const rest = body.subarray(end + delimiter.length).toString('latin1')
  if (rest !== '--\r\n' && rest !== '--') return failed('Expected exactly one part, named "video"')
  const part = body.subarray(opening.length, end)
  const headerEnd = part.indexOf('\r\n\r\n')
  if (headerEnd < 0) return failed('The part has no headers')
  const headers = new Map<string, string>()
  for (const line of part.toString('latin1', 0, headerEnd).split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  const disposition = headers.get('content-disposition') ?? ''
  const name = /;\s*name="([^"]*)"/.exec(disposition)?.[1]
  const filename = /;\s*filename="([^"]*)"/.exec(disposition)?.[1]
  if (!disposition.startsWith('form-data') || name !== 'video') return failed('Missing parameter: video')
  if (!filename) return failed('The video part has no file name')
  const type = (headers.get('content-type') ?? '').toLowerCase()
  const known = TYPES[type]
  if (!known) return failed(`Not a video type: ${type || 'none given'}`)
  const data = part.subarray(headerEnd + 4)
  if (!data.length) return failed('The video is empty')
  if (!known.looksLike(data)) return failed(`The bytes are not ${type}`)
  if (!known.extensions.some((extension) => filename.toLowerCase().endsWith(extension)))
    return failed(`The file name ${filename} does not say ${type}`)
  return { ok: true, filename, type, data }
}
