/** The renderer is served from this origin by a custom protocol, never from file://. */
export const APP_SCHEME = 'app'
export const APP_HOST = 'rao-desk'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`

export function isAppUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST
  } catch {
    return false
  }
}

/** Cases' videos and snapshots are served by main under this scheme, addressed by case. */
export const MEDIA_SCHEME = 'rao-media'
export const MEDIA_ORIGIN = `${MEDIA_SCHEME}://media`
