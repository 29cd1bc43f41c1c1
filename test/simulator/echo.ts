/**
 * How the `echo` fault repeats a request, in the forms servers are seen to quote what they were sent:
 * - `json`: inside an upstream error's JSON (reference §6), so the body is escaped twice in the details;
 * - `ascii`: the same, by an encoder that escapes non-ASCII as `\u00f1` (Python's default);
 * - `javaHex`, `phpSlash`, `goHtml`: the body JSON-escaped by Java (`\u00F1`), PHP (`\/`) or Go (`\u003c`);
 * - `body`: the body as it arrived (its strings JSON-escaped once);
 * - `values`: the body's string values as the server read them;
 * - `pythonRepr`: the values as Python's `repr` writes a byte above 127 (`\xf1`);
 * - `nfd`: the values decomposed (`n` and a combining tilde), as a normalising layer may leave them;
 * - `html`, `htmlNumeric`: the body in an HTML error page, with named or numeric entities;
 * - `base64`, `base64url`, `base64Utf16`, `base64Latin1`: the body base64-encoded from UTF-8, UTF-16LE or Latin-1;
 * - `form`, `percentLower`, `escape`: the body URL-encoded as forms, lower-case hex, or JavaScript's `escape`;
 * - `wrapped`: the body cut into short lines, as a log or a mail gateway folds it.
 */
export type EchoForm =
  | 'json'
  | 'ascii'
  | 'javaHex'
  | 'phpSlash'
  | 'goHtml'
  | 'body'
  | 'values'
  | 'pythonRepr'
  | 'nfd'
  | 'html'
  | 'htmlNumeric'
  | 'base64'
  | 'base64url'
  | 'base64Utf16'
  | 'base64Latin1'
  | 'form'
  | 'percentLower'
  | 'escape'
  | 'wrapped'

export const ECHO_FORMS: readonly EchoForm[] = [
  'json',
  'ascii',
  'javaHex',
  'phpSlash',
  'goHtml',
  'body',
  'values',
  'pythonRepr',
  'nfd',
  'html',
  'htmlNumeric',
  'base64',
  'base64url',
  'base64Utf16',
  'base64Latin1',
  'form',
  'percentLower',
  'escape',
  'wrapped',
]

const hex = (char: string, digits: number) => char.charCodeAt(0).toString(16).padStart(digits, '0')
/** A JSON string's inside with the given characters written as `\uXXXX`. */
const escapedJson = (text: string, which: RegExp, upper = false) =>
  JSON.stringify(text)
    .slice(1, -1)
    .replace(which, (c) => `\\u${upper ? hex(c, 4).toUpperCase() : hex(c, 4)}`)

/** Every string in a JSON body, with its key, however deep. */
function fieldsOf(body: string): [string, string][] {
  const fields: [string, string][] = []
  const walk = (value: unknown, key: string) => {
    if (typeof value === 'string') fields.push([key, value])
    else if (value && typeof value === 'object')
      for (const [inner, child] of Object.entries(value)) walk(child, inner)
  }
  try {
    walk(JSON.parse(body), '')
  } catch {
    fields.push(['body', body])
  }
  return fields
}

/** The details of an error that repeats the request's path and body in the given form. */
export function echoOf(path: string, body: string, form: EchoForm = 'json'): string {
  const upstream = JSON.stringify({ code: '500', error: 'Invalid request', path, request: body })
  const values = fieldsOf(body)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ')
  switch (form) {
    case 'json':
      return `Error from the RA: ${upstream}`
    case 'ascii':
      return `Error from the RA: ${upstream.replace(/[\u0080-\uffff]/g, (c) => `\\u${hex(c, 4)}`)}`
    case 'javaHex':
      return `Invalid request to ${path}: "${escapedJson(body, /[\u0080-\uffff]/g, true)}"`
    case 'phpSlash':
      return `Invalid request to ${path}: "${escapedJson(body, /[\u0080-\uffff]/g).replaceAll('/', '\\/')}"`
    case 'goHtml':
      return `Invalid request to ${path}: "${escapedJson(body, /[<>&\u2028\u2029]/g)}"`
    case 'body':
      return `Invalid request to ${path}: ${body}`
    case 'values':
      return `Invalid request to ${path}: ${values}`
    case 'pythonRepr':
      return `Invalid request to ${path}: ${values
        .replaceAll('\\', '\\\\')
        .replace(/[\u0080-\u00ff]/g, (c) => `\\x${hex(c, 2)}`)}`
    case 'nfd':
      return `Invalid request to ${path}: ${values.normalize('NFD')}`
    case 'html':
      return `<p>Invalid request to ${path}: ${body.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')}</p>`
    case 'htmlNumeric':
      return `<p>Invalid request to ${path}: ${body.replace(/[^A-Za-z0-9 ]/g, (c) => `&#${c.charCodeAt(0)};`)}</p>`
    case 'base64':
    case 'base64url':
      return `Invalid request to ${path}: ${Buffer.from(body, 'utf8').toString(form)}`
    case 'base64Utf16':
      return `Invalid request to ${path}: ${Buffer.from(body, 'utf16le').toString('base64')}`
    case 'base64Latin1':
      return `Invalid request to ${path}: ${Buffer.from(body, 'latin1').toString('base64')}`
    case 'form':
      return `Invalid request to ${path}?${new URLSearchParams(fieldsOf(body)).toString()}`
    case 'percentLower':
      return `Invalid request to ${path}?q=${encodeURIComponent(body).replace(/%[0-9A-F]{2}/g, (s) => s.toLowerCase())}`
    case 'escape':
      return `Invalid request to ${path}?q=${escape(body)}`
    case 'wrapped':
      return `Invalid request to ${path}:\n${(body.match(/[\s\S]{1,10}/g) ?? []).join('\n')}`
  }
}

/** Whether a request carried a value: in its path, or in its body as sent, JSON-escaped or as a parsed string. */
export function carries(request: { path: string; body: string }, value: string): boolean {
  const escaped = JSON.stringify(value).slice(1, -1)
  return (
    request.path.includes(value) ||
    request.body.includes(value) ||
    request.body.includes(escaped) ||
    fieldsOf(request.body).some(([, field]) => field.includes(value))
  )
}
