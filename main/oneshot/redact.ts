const MASK = '•••'

/** Removes every given secret from a text that may have come back from the server or a library. */
export function redact(text: string, secrets: readonly string[]): string {
  let clean = text
  for (const secret of secrets) {
    if (secret.length >= 3) clean = clean.split(secret).join(MASK)
  }
  return clean
}
