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
 * A still of the camera's live view, at the camera's own size. A camera just turned on takes a moment
 * to show a frame, and on a busy machine the frame shown can be gone before it is copied (Chromium then
 * refuses the copy): each refusal waits for the next frame, for up to `ms` in all.
 */
export async function stillOf(video: HTMLVideoElement, ms = 5000): Promise<Prepared> {
  const deadline = performance.now() + ms
  do {
    if (video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && video.videoWidth) {
      let bitmap: ImageBitmap | undefined
      try {
        bitmap = await createImageBitmap(video)
      } catch {
        // This frame could not be copied: the next one is tried.
      }
      if (bitmap) return encode(bitmap)
    }
  } while (await nextFrame(video, Math.max(0, deadline - performance.now())))
  return { ok: false, problem: 'no_frame' }
}
