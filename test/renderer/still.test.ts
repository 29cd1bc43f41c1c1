// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { stillOf } from '../../renderer/src/views/capture/image-prep'

// The camera is the edge jsdom cannot reach: a live view that presents a frame every 16 ms, and copies of
// it as the test says. Chromium's own refusals and hangs are the capture E2E's.
function liveView() {
  const pending = new Map<number, ReturnType<typeof setTimeout>>()
  let next = 1
  const video = {
    readyState: HTMLMediaElement.HAVE_ENOUGH_DATA,
    videoWidth: 640,
    requestVideoFrameCallback(callback: () => void) {
      const handle = next++
      pending.set(
        handle,
        setTimeout(() => {
          pending.delete(handle)
          callback()
        }, 16),
      )
      return handle
    },
    cancelVideoFrameCallback(handle: number) {
      clearTimeout(pending.get(handle))
      pending.delete(handle)
    },
  }
  return { video: video as unknown as HTMLVideoElement, pending }
}

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('a still of the live view', () => {
  it('answers no picture by its deadline when a copy never settles', async () => {
    vi.stubGlobal('createImageBitmap', () => new Promise(() => undefined))
    const { video, pending } = liveView()
    const started = performance.now()
    expect(await stillOf(video, 200)).toEqual({ ok: false, problem: 'no_frame' })
    const took = performance.now() - started
    expect(took).toBeGreaterThanOrEqual(190)
    expect(took).toBeLessThan(1_000)
    expect(pending.size).toBe(0)
  })

  it('lets go of a copy that comes after the deadline', async () => {
    const close = vi.fn()
    vi.stubGlobal(
      'createImageBitmap',
      () => new Promise((resolve) => setTimeout(() => resolve({ width: 640, height: 480, close }), 300)),
    )
    const { video } = liveView()
    expect(await stillOf(video, 100)).toEqual({ ok: false, problem: 'no_frame' })
    expect(close).not.toHaveBeenCalled()
    await vi.waitFor(() => expect(close).toHaveBeenCalledOnce(), { timeout: 1_000 })
  })
})
