import { IMAGE_LIMITS } from '../../../../shared/capture'
import { base64Of } from '../../components/base64'

/** Why a picture is not kept, by its field. */
export type ImageProblem =
  | 'not_an_image'
  | 'unreadable'
  | 'too_large'
  | 'too_small'
  | 'no_frame'
  | 'not_encoded'
export type Prepared = { ok: true; data: string } | { ok: false; problem: ImageProblem }

const JPEG = [0xff, 0xd8, 0xff]
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const startsWith = (head: Uint8Array, magic: number[]) => magic.every((byte, index) => head[index] === byte)

/**
 * A picture scaled down to `IMAGE_LIMITS.maxSide` on its longest side and encoded as JPEG: small enough
 * to send, sharp enough to read a document, and without the file's own metadata (a place, a device).
 * Never throws: a canvas or encoder that fails (no memory, a lost graphics context) is a problem the card
 * shows, and the officer can try again.
 */
async function encode(source: ImageBitmap): Promise<Prepared> {
  try {
    const { width, height } = source
    if (Math.min(width, height) < IMAGE_LIMITS.minSide) return { ok: false, problem: 'too_small' }
    const scale = Math.min(1, IMAGE_LIMITS.maxSide / Math.max(width, height))
    const canvas = document.createElement('canvas')
    canvas.width = Math.round(width * scale)
    canvas.height = Math.round(height * scale)
    // Without a context nothing is drawn: the JPEG would be blank.
    const context = canvas.getContext('2d')
    if (!context) return { ok: false, problem: 'not_encoded' }
    context.drawImage(source, 0, 0, canvas.width, canvas.height)
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9))
    if (!blob) return { ok: false, problem: 'not_encoded' }
    if (blob.size > IMAGE_LIMITS.maxBytes) return { ok: false, problem: 'too_large' }
    return { ok: true, data: base64Of(new Uint8Array(await blob.arrayBuffer())) }
  } catch {
    return { ok: false, problem: 'not_encoded' }
  } finally {
    source.close()
  }
}

/**
 * A JPEG or PNG file chosen by the officer: its size and its bytes checked before it is decoded. Never
 * throws: a file that cannot be read (moved or changed since it was chosen) is a problem the card shows.
 */
export async function prepareFile(file: File): Promise<Prepared> {
  if (file.size > IMAGE_LIMITS.maxFileBytes) return { ok: false, problem: 'too_large' }
  let head: Uint8Array
  try {
    head = new Uint8Array(await file.slice(0, 8).arrayBuffer())
  } catch {
    return { ok: false, problem: 'unreadable' }
  }
  if (!startsWith(head, JPEG) && !startsWith(head, PNG)) return { ok: false, problem: 'not_an_image' }
  let bitmap: ImageBitmap
  try {
    bitmap = await createImageBitmap(file)
  } catch {
    return { ok: false, problem: 'not_an_image' }
  }
  return encode(bitmap)
}

/** Resolves true when the live view presents its next frame, false if none comes within `ms`. */
function nextFrame(video: HTMLVideoElement, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      video.cancelVideoFrameCallback(handle)
      resolve(false)
    }, ms)
    const handle = video.requestVideoFrameCallback(() => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

/**
 * A copy of the frame shown, or 'refused' when Chromium refuses it, or 'late' when it has not come within
 * `ms` (a copy can hang on a stalled camera); a copy that comes after that is let go.
 */
async function copyWithin(video: HTMLVideoElement, ms: number): Promise<ImageBitmap | 'refused' | 'late'> {
  const copy = createImageBitmap(video).catch(() => 'refused' as const)
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms)
  })
  const first = await Promise.race([copy, late])
  clearTimeout(timer)
  if (first === 'late')
    void copy.then((bitmap) => {
      if (bitmap !== 'refused') bitmap.close()
    })
  return first
}

/**
 * A still of the camera's live view, at the camera's own size, within `ms`, or 'no_frame'. A camera just
 * turned on takes a moment to show a frame, and on a busy machine the frame shown can be gone before it
 * is copied (Chromium then refuses the copy): each refusal waits for the next frame. Never throws.
 */
export async function stillOf(video: HTMLVideoElement, ms = 5000): Promise<Prepared> {
  const deadline = performance.now() + ms
  const left = () => Math.max(0, deadline - performance.now())
  do {
    if (video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && video.videoWidth) {
      const copy = await copyWithin(video, left())
      if (copy === 'late') break
      if (copy !== 'refused') return encode(copy)
    }
  } while (await nextFrame(video, left()))
  return { ok: false, problem: 'no_frame' }
}
