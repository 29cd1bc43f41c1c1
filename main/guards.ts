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
 * The two permissions the app uses: full screen for the player, and writing to the clipboard (copying a
 * new Video ID's number). Camera, microphone, notifications, geolocation, reading the clipboard, …:
 * every other request and check is refused.
 */
const GRANTED: ReadonlySet<string> = new Set(['fullscreen', 'clipboard-sanitized-write'])

export const decidePermissionRequest = (
  _webContents: unknown,
  permission: string,
  callback: (granted: boolean) => void,
): void => callback(GRANTED.has(permission))

export const decidePermissionCheck = (_webContents: unknown, permission: string): boolean =>
  GRANTED.has(permission)

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
