const MASK = '•••'
/** Shorter secrets and shorter forms are not looked for: they would match innocent text. */
const SHORTEST = 3

const hex4 = (char: string) => char.charCodeAt(0).toString(16).padStart(4, '0')

/**
 * The ways a JSON encoder writes a string's inside: JavaScript's (non-ASCII kept), Python's default
 * (`ensure_ascii`: `\u00f1`), Java's (upper-case hex), PHP's (`\/` and `\u00f1`) and Go's (`<>&` as
 * `\u003c`…). The Optimizer and the RA behind it are not ours: any of them may repeat a request.
 */
const JSON_ESCAPES: readonly ((text: string) => string)[] = [
  (text) => JSON.stringify(text).slice(1, -1),
  (text) =>
    JSON.stringify(text)
      .slice(1, -1)
      .replace(/[\u0080-\uffff]/g, (c) => `\\u${hex4(c)}`),
  (text) =>
    JSON.stringify(text)
      .slice(1, -1)
      .replace(/[\u0080-\uffff]/g, (c) => `\\u${hex4(c).toUpperCase()}`),
  (text) =>
    JSON.stringify(text)
      .slice(1, -1)
      .replaceAll('/', '\\/')
      .replace(/[\u0080-\uffff]/g, (c) => `\\u${hex4(c)}`),
  (text) =>
    JSON.stringify(text)
      .slice(1, -1)
      .replace(/[<>&\u2028\u2029]/g, (c) => `\\u${hex4(c)}`),
]

/**
 * A secret's base64 wherever it sits in a longer encoded text (the whole body, base64-encoded): at each
 * of the three byte alignments, the characters that depend on the secret's bytes alone.
 */
function base64Forms(text: string): string[] {
  const bytes = Buffer.from(text, 'utf8')
  const forms: string[] = []
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes, Buffer.alloc(3)]).toString('base64')
    const core = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6))
    forms.push(core, core.replaceAll('+', '-').replaceAll('/', '_'))
  }
  return forms
}

/** Percent-encodes a text's UTF-8 bytes, keeping the ASCII characters `keep` allows. */
function percentEncoded(text: string, keep: RegExp, spaceAsPlus: boolean): string {
  let encoded = ''
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte)
    if (byte < 0x80 && keep.test(char)) encoded += char
    else if (spaceAsPlus && char === ' ') encoded += '+'
    else encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return encoded
}

/**
 * URL- and form-encoded as the common encoders write it: JavaScript's `encodeURIComponent`, RFC 3986's
 * unreserved set (Python's `quote_plus`), Python's `quote` (keeps `/`) and the web's form encoding.
 */
const urlForms = (text: string): string[] => [
  percentEncoded(text, /[A-Za-z0-9\-_.!~*'()]/, false),
  percentEncoded(text, /[A-Za-z0-9\-_.!~*'()]/, true),
  percentEncoded(text, /[A-Za-z0-9\-_.~]/, false),
  percentEncoded(text, /[A-Za-z0-9\-_.~]/, true),
  percentEncoded(text, /[A-Za-z0-9\-_.~/]/, false),
  percentEncoded(text, /[A-Za-z0-9*\-._]/, true),
]

/** Every form in which a server may repeat a secret it was sent: as sent, escaped, encoded. */
function formsOf(secret: string): string[] {
  const once = JSON_ESCAPES.map((escaped) => escaped(secret))
  const twice = once.flatMap((inner) => JSON_ESCAPES.map((escaped) => escaped(inner)))
  // A body repeated whole carries the secret as the client sent it in JSON: encodings of that too.
  const sent = [secret, ...once]
  const forms = new Set([...sent, ...twice, ...sent.flatMap(base64Forms), ...sent.flatMap(urlForms)])
  return [...forms].filter((form) => form.length >= SHORTEST)
}

/**
 * Removes every given secret, in every form a server may repeat it (`formsOf`), from a text that may
 * have come back from the server or a library. Longest forms first, so that no shorter one breaks a
 * longer one's match.
 */
export function redact(text: string, secrets: readonly string[]): string {
  const forms = secrets
    .filter((secret) => secret.length >= SHORTEST)
    .flatMap(formsOf)
    .sort((a, b) => b.length - a.length)
  let clean = text
  for (const form of forms) clean = clean.split(form).join(MASK)
  return clean
}
