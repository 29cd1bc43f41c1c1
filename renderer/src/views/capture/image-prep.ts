import { IMAGE_LIMITS } from '../../../../shared/capture'
import { base64Of } from '../../components/base64'

/** Why a picture is not kept, by its field. */
export type ImageProblem = 'not_an_image' | 'too_large' | 'too_small' | 'no_frame'
export type Prepared = { ok: true; data: string } | { ok: false; problem: ImageProblem }

const JPEG = [0xff, 0xd8, 0xff]
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const startsWith = (head: Uint8Array, magic: number[]) => magic.every((byte, index) => head[index] === byte)

/**
 * A picture scaled down to `IMAGE_LIMITS.maxSide` on its longest side and encoded as JPEG: small enough
 * to send, sharp enough to read a document, and without the file's own metadata (a place, a device).
 */
async function encode(source: ImageBitmap): Promise<Prepared> {
  const { width, height } = source
  if (Math.min(width, height) < IMAGE_LIMITS.minSide) return { ok: false, problem: 'too_small' }
  const scale = Math.min(1, IMAGE_LIMITS.maxSide / Math.max(width, height))
  const canvas = document.createElement('canvas')
  canvas.width = Math.round(width * scale)
  canvas.height = Math.round(height * scale)
  canvas.getContext('2d')?.drawImage(source, 0, 0, canvas.width, canvas.height)
  source.close()
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9))
  if (!blob) return { ok: false, problem: 'not_an_image' }
  if (blob.size > IMAGE_LIMITS.maxBytes) return { ok: false, problem: 'too_large' }
  return { ok: true, data: base64Of(new Uint8Array(await blob.arrayBuffer())) }
}

/** A JPEG or PNG file chosen by the officer: its size and its bytes checked before it is decoded. */
export async function prepareFile(file: File): Promise<Prepared> {
  if (file.size > IMAGE_LIMITS.maxFileBytes) return { ok: false, problem: 'too_large' }
  const head = new Uint8Array(await file.slice(0, 8).arrayBuffer())
  if (!startsWith(head, JPEG) && !startsWith(head, PNG)) return { ok: false, problem: 'not_an_image' }
  let bitmap: ImageBitmap
  try {
    bitmap = await createImageBitmap(file)
  } catch {
    return { ok: false, problem: 'not_an_image' }
  }
  return encode(bitmap)
}

/** Resolves once the live view shows a frame (a camera just turned on takes a moment), or after `ms`. */
function firstFrame(video: HTMLVideoElement, ms: number): Promise<void> {
  if (video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      video.removeEventListener('loadeddata', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    video.addEventListener('loadeddata', done)
  })
}

/** A still of the camera's live view, at the camera's own size. */
export async function stillOf(video: HTMLVideoElement): Promise<Prepared> {
  await firstFrame(video, 5000)
  if (!video.videoWidth) return { ok: false, problem: 'no_frame' }
  return encode(await createImageBitmap(video))
}
