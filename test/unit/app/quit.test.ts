import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { closeBeforeQuit } from '../../../main/quit'

/** Electron's `app` as far as quitting goes: it quits unless a `will-quit` listener prevents it. */
class FakeApp extends EventEmitter {
  quits = 0
  quitted = false
  quit(): void {
    this.quits++
    let prevented = false
    this.emit('will-quit', { preventDefault: () => (prevented = true) })
    if (!prevented) this.quitted = true
  }
}

const silent = { warn: () => undefined }

describe('quitting waits for the services', () => {
  it('holds the quit until the services have closed, then quits once', async () => {
    const app = new FakeApp()
    let finish: () => void = () => undefined
    const closing = new Promise<void>((resolve) => (finish = resolve))
    closeBeforeQuit(app, () => closing, silent)
    app.quit()
    expect(app.quitted).toBe(false)
    finish()
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(app.quitted).toBe(true)
    expect(app.quits).toBe(2)
  })

  it('quits after the deadline when the services hang', async () => {
    const app = new FakeApp()
    closeBeforeQuit(app, () => new Promise<void>(() => undefined), silent, 50)
    app.quit()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(app.quitted).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(app.quitted).toBe(true)
  })
})
