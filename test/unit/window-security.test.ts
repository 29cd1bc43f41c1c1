import { EventEmitter } from 'node:events'
import { describe, expect, it, vi } from 'vitest'
import { CONTENT_SECURITY_POLICY } from '../../main/csp'
import {
  createPermissionHandlers,
  decideWindowOpen,
  type GuardedContents,
  hardenWebContents,
  isAllowedExternalUrl,
  isAllowedNavigation,
} from '../../main/guards'
import { createWindowOptions } from '../../main/window'

// Each test names the item of Electron's security checklist it holds to
// (electronjs.org/docs/latest/tutorial/security).
describe('window options', () => {
  const prefs = createWindowOptions('/app/preload/index.cjs', false).webPreferences

  it('2. no Node.js integration, in the page, its workers or its subframes', () => {
    expect(prefs?.nodeIntegration).toBe(false)
    expect(prefs?.nodeIntegrationInWorker).toBe(false)
    expect(prefs?.nodeIntegrationInSubFrames).toBe(false)
  })
  it('3. context isolation', () => expect(prefs?.contextIsolation).toBe(true))
  it('4. process sandboxing', () => expect(prefs?.sandbox).toBe(true))
  it('6. webSecurity stays on', () => expect(prefs?.webSecurity).toBe(true))
  it('8. no insecure content', () => expect(prefs?.allowRunningInsecureContent).toBe(false))
  it('9. no experimental features', () => expect(prefs?.experimentalFeatures).toBe(false))
  it('10. no enableBlinkFeatures', () => expect(prefs).not.toHaveProperty('enableBlinkFeatures'))
  it('11., 12. no <webview>: none to give popups to, and none may attach', () =>
    expect(prefs?.webviewTag).toBe(false))
  it('loads the preload given, and only it', () => expect(prefs?.preload).toBe('/app/preload/index.cjs'))
  it('dev tools only when asked for (not in packaged builds)', () => {
    expect(prefs?.devTools).toBe(false)
    expect(createWindowOptions('/p.cjs', true).webPreferences?.devTools).toBe(true)
  })
})

describe('7. Content-Security-Policy', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((part) => {
      const [name, ...values] = part.trim().split(/\s+/)
      return [name, values] as const
    }),
  )
  it('has no unsafe-eval and no unsafe-inline anywhere', () => {
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval')
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline')
  })
  it('denies by default and allows script only from the app itself', () => {
    expect(directives.get('default-src')).toEqual(["'none'"])
    expect(directives.get('script-src')).toEqual(["'self'"])
    expect(directives.get('object-src')).toEqual(["'none'"])
    expect(directives.get('frame-ancestors')).toEqual(["'none'"])
  })
})

describe('guards', () => {
  it('13. navigation only within the app’s own origin', () => {
    expect(isAllowedNavigation('app://rao-desk/index.html')).toBe(true)
    for (const url of [
      'https://evil.example/',
      'file:///etc/passwd',
      'app://other/index.html',
      'javascript:alert(1)',
    ]) {
      expect(isAllowedNavigation(url)).toBe(false)
    }
  })

  it('14. window.open never opens a window; 15. only allowlisted https links reach the browser', async () => {
    const openExternal = vi.fn(async () => undefined)
    expect(decideWindowOpen('https://evil.example/', openExternal)).toEqual({ action: 'deny' })
    expect(decideWindowOpen('https://docs.namirial.app/products', openExternal)).toEqual({ action: 'deny' })
    expect(openExternal).toHaveBeenCalledTimes(1)
    expect(openExternal).toHaveBeenCalledWith('https://docs.namirial.app/products')
  })

  it.each([
    'http://docs.namirial.app/',
    'https://docs.namirial.app.evil.example/',
    'https://user:pw@docs.namirial.app/',
    'file:///C:/Windows/system32/calc.exe',
    'smb://share/x',
    'not a url',
  ])('15. refuses to open %s externally', (url) => {
    expect(isAllowedExternalUrl(url)).toBe(false)
  })

  describe('5. permissions', () => {
    // Stand-ins for Electron's WebContents: the app's window, and any other.
    const appWindow = { id: 1 }
    const otherWindow = { id: 2 }
    let captureOpen = false
    const handlers = createPermissionHandlers({
      isAppWindow: (contents) => contents === appWindow,
      captureOpen: () => captureOpen,
    })
    const page = 'app://rao-desk/index.html'
    const requested = (
      permission: string,
      details: { requestingUrl?: string; isMainFrame?: boolean; mediaTypes?: string[] } = {},
      contents: unknown = appWindow,
    ) => {
      const callback = vi.fn()
      handlers.request(contents, permission, callback, {
        requestingUrl: page,
        isMainFrame: true,
        mediaTypes: ['video', 'audio'],
        ...details,
      })
      expect(callback).toHaveBeenCalledTimes(1)
      return callback.mock.calls[0]?.[0] as boolean
    }
    const checked = (
      permission: string,
      details: { requestingUrl?: string; isMainFrame?: boolean; mediaType?: string } = {},
      contents: unknown = appWindow,
    ) =>
      handlers.check(contents, permission, 'app://rao-desk', {
        requestingUrl: page,
        isMainFrame: true,
        mediaType: 'video',
        ...details,
      })

    it('grants full screen and writing to the clipboard; denies every other permission', () => {
      for (const open of [false, true]) {
        captureOpen = open
        for (const permission of [
          'geolocation',
          'notifications',
          'clipboard-read',
          'openExternal',
          'pointerLock',
          'display-capture',
        ]) {
          expect(requested(permission)).toBe(false)
          expect(checked(permission)).toBe(false)
        }
        expect(requested('fullscreen')).toBe(true)
        expect(requested('clipboard-sanitized-write')).toBe(true)
        expect(checked('fullscreen')).toBe(true)
      }
    })

    it('grants camera and microphone to the app’s own page only while the capture screen is open, in both handlers', () => {
      captureOpen = false
      expect(requested('media')).toBe(false)
      expect(checked('media')).toBe(false)
      captureOpen = true
      expect(requested('media')).toBe(true)
      expect(requested('media', { mediaTypes: ['video'] })).toBe(true)
      expect(checked('media', { mediaType: 'video' })).toBe(true)
      expect(checked('media', { mediaType: 'audio' })).toBe(true)
      captureOpen = false
      expect(requested('media')).toBe(false)
      expect(checked('media', { mediaType: 'audio' })).toBe(false)
    })

    it('refuses camera and microphone to anything else, even while the capture screen is open', () => {
      captureOpen = true
      // Another origin, another scheme, a frame inside the page, another window, none at all.
      for (const requestingUrl of ['https://evil.example/', 'app://other/index.html', 'file:///tmp/x.html']) {
        expect(requested('media', { requestingUrl })).toBe(false)
        expect(checked('media', { requestingUrl })).toBe(false)
      }
      expect(requested('media', { isMainFrame: false })).toBe(false)
      expect(checked('media', { isMainFrame: false })).toBe(false)
      expect(requested('media', {}, otherWindow)).toBe(false)
      expect(checked('media', {}, otherWindow)).toBe(false)
      expect(checked('media', {}, null)).toBe(false)
      // A device that is not a camera or a microphone, or none named.
      expect(requested('media', { mediaTypes: [] })).toBe(false)
      expect(requested('media', { mediaTypes: ['video', 'screen'] })).toBe(false)
      expect(checked('media', { mediaType: 'unknown' })).toBe(false)
      // Without its URL, a check names only its origin: the app's own still needs the rest.
      expect(
        handlers.check(appWindow, 'media', 'https://evil.example', { isMainFrame: true, mediaType: 'video' }),
      ).toBe(false)
      expect(
        handlers.check(appWindow, 'media', 'app://rao-desk', { isMainFrame: true, mediaType: 'video' }),
      ).toBe(true)
    })
  })

  it('hardens every web contents: navigation, redirects, webviews and window.open', () => {
    // A stand-in for Electron's WebContents: an event emitter with a window-open handler slot.
    const emitter = new EventEmitter()
    let openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined
    const contents = Object.assign(emitter, {
      setWindowOpenHandler: (handler: typeof openHandler) => {
        openHandler = handler
      },
    }) as unknown as GuardedContents
    hardenWebContents(contents, async () => undefined)

    const fire = (name: string, url?: string) => {
      const event = { preventDefault: vi.fn() }
      emitter.emit(name, event, url)
      return event.preventDefault.mock.calls.length > 0
    }
    expect(fire('will-navigate', 'https://evil.example/')).toBe(true)
    expect(fire('will-redirect', 'https://evil.example/')).toBe(true)
    expect(fire('will-navigate', 'app://rao-desk/index.html')).toBe(false)
    expect(fire('will-attach-webview')).toBe(true)
    expect(openHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' })
  })
})
