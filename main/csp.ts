/**
 * The renderer's Content-Security-Policy: only its own bundled files, no inline script, no eval,
 * no plugins, no framing, no network beyond its own origin (which serves static files only); videos and
 * snapshots come from main's media protocol (`rao-media:`), which serves only the cases' own files.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: rao-media:",
  "font-src 'self'",
  "connect-src 'self'",
  "media-src 'self' rao-media:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

/** Headers on every response that serves the renderer. */
export const RENDERER_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
}
