/** One byte range of a resource, inclusive, as HTTP `Range` names it. */
export interface ByteRange {
  start: number
  end: number
}

/**
 * Reads a `Range` header against a resource of `size` bytes: undefined when there is none (or it is
 * not one byte range, which a server may ignore), `unsatisfiable` when it starts past the end.
 */
export function parseRange(header: string | null, size: number): ByteRange | 'unsatisfiable' | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null
  if (!match || (match[1] === '' && match[2] === '')) return undefined
  if (match[1] === '') {
    const suffix = Number(match[2])
    if (suffix === 0 || size === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(match[1])
  // A last byte before the first makes the header invalid, and an invalid header is ignored.
  if (match[2] !== '' && Number(match[2]) < start) return undefined
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)
  if (start >= size) return 'unsatisfiable'
  return { start, end }
}
