import { isAppUrl } from './app-origin'

/** The only places a link in the app may open, in the user's browser. */
export const EXTERNAL_ORIGINS: readonly string[] = [
  'https://www.uanataca.com',
  'https://docs.namirial.app',
  'https://www.electronjs.org',
]

export function isAllowedExternalUrl(
  value: string,
  allowlist: readonly string[] = EXTERNAL_ORIGINS,
): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' && !url.username && !url.password && allowlist.includes(url.origin)
  } catch {
    return false
  }
}

/** The renderer is one page: it never navigates anywhere but its own origin. */
export const isAllowedNavigation = (url: string): boolean => isAppUrl(url)

export type OpenExternal = (url: string) => Promise<void>

/** `window.open` never opens an Electron window; allowlisted https links go to the user's browser. */
export function decideWindowOpen(url: string, openExternal: OpenExternal): { action: 'deny' } {
  if (isAllowedExternalUrl(url)) void openExternal(url).catch(() => undefined)
  return { action: 'deny' }
}

/**
 * The permissions the app uses: full screen for the player, writing to the clipboard (copying a new
 * Video ID's number), and camera and microphone for capture at the desk, on conditions below.
 * Notifications, geolocation, reading the clipboard, screen capture, …: every other request and check
 * is refused.
 */
const GRANTED: ReadonlySet<string> = new Set(['fullscreen', 'clipboard-sanitized-write'])

/** What of Electron's permission request and check details the guards read. */
export interface PermissionDetails {
  requestingUrl?: string
  isMainFrame: boolean
  /** A request's devices: `video` (camera), `audio` (microphone). */
  mediaTypes?: readonly string[]
  /** A check's device: `video`, `audio` or `unknown`. */
  mediaType?: string
}

export interface PermissionContext {
  /** Whether a web contents is one of the app's own windows. */
  isAppWindow(webContents: unknown): boolean
  /** Whether the capture screen is open. */
  captureOpen(): boolean
}

/**
 * Camera and microphone, for the app's own page only (its main frame, in one of its windows), and only
 * while the capture screen is open; never another kind of device (a screen, `unknown`).
 */
function mayCapture(
  context: PermissionContext,
  webContents: unknown,
  url: string | undefined,
  isMainFrame: boolean,
  devices: readonly string[],
): boolean {
  return (
    devices.length > 0 &&
    devices.every((device) => device === 'video' || device === 'audio') &&
    isMainFrame === true &&
    typeof url === 'string' &&
    isAppUrl(url) &&
    webContents !== null &&
    context.isAppWindow(webContents) &&
    context.captureOpen()
  )
}

/** Both of Electron's permission handlers (requests and checks), on the same conditions. */
export function createPermissionHandlers(context: PermissionContext) {
  return {
    request(
      webContents: unknown,
      permission: string,
      callback: (granted: boolean) => void,
      details: PermissionDetails,
    ): void {
      callback(
        GRANTED.has(permission) ||
          (permission === 'media' &&
            mayCapture(
              context,
              webContents,
              details.requestingUrl,
              details.isMainFrame,
              details.mediaTypes ?? [],
            )),
      )
    },
    check(
      webContents: unknown,
      permission: string,
      requestingOrigin: string,
      details: PermissionDetails,
    ): boolean {
      return (
        GRANTED.has(permission) ||
        (permission === 'media' &&
          mayCapture(
            context,
            webContents,
            details.requestingUrl ?? requestingOrigin,
            details.isMainFrame,
            details.mediaType ? [details.mediaType] : [],
          ))
      )
    },
  }
}

/** The slice of Electron's WebContents that says a page starts: a navigation of its main frame, a reload too. */
export interface StartingContents {
  on(
    event: 'did-start-navigation',
    listener: (details: { isMainFrame: boolean; isSameDocument: boolean }) => void,
  ): unknown
}

/** Calls `listener` whenever the page in `contents` starts anew (not a move within the same document). */
export function onPageStart(contents: StartingContents, listener: () => void): void {
  contents.on('did-start-navigation', (details) => {
    if (details.isMainFrame && !details.isSameDocument) listener()
  })
}

interface PreventableEvent {
  preventDefault(): void
}

/** The slice of Electron's WebContents the guards need, so they can be exercised without Electron. */
export interface GuardedContents {
  on(
    event: 'will-navigate' | 'will-redirect',
    listener: (event: PreventableEvent, url: string) => void,
  ): unknown
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void
}

export function hardenWebContents(contents: GuardedContents, openExternal: OpenExternal): void {
  const blockForeign = (event: PreventableEvent, url: string) => {
    if (!isAllowedNavigation(url)) event.preventDefault()
  }
  contents.on('will-navigate', blockForeign)
  contents.on('will-redirect', blockForeign)
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(({ url }) => decideWindowOpen(url, openExternal))
}
