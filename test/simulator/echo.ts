/**
 * How the `echo` fault repeats a request, in the forms servers are seen to quote what they were sent:
 * - `json`: inside an upstream error's JSON (reference §6), so the body is escaped twice in the details;
 * - `ascii`: the same, by an encoder that escapes non-ASCII as `\u00f1` (Python's default);
 * - `body`: the body as it arrived (its strings JSON-escaped once);
 * - `values`: the body's string values as the server read them;
 * - `base64`, `base64url`: the body base64-encoded;
 * - `form`: the body's values form-encoded, as a server that forwards them in a query would.
 */
export type EchoForm = 'json' | 'ascii' | 'body' | 'values' | 'base64' | 'base64url' | 'form'

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
  switch (form) {
    case 'json':
      return `Error from the RA: ${upstream}`
    case 'ascii':
      return `Error from the RA: ${upstream.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}`
    case 'body':
      return `Invalid request to ${path}: ${body}`
    case 'values':
      return `Invalid request to ${path}: ${fieldsOf(body)
        .map(([key, value]) => `${key}=${value}`)
        .join(', ')}`
    case 'base64':
    case 'base64url':
      return `Invalid request to ${path}: ${Buffer.from(body, 'utf8').toString(form)}`
    case 'form':
      return `Invalid request to ${path}?${new URLSearchParams(fieldsOf(body)).toString()}`
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
