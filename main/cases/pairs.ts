import { pkSchema } from '../../shared/cases'

export interface ParsedLine {
  line: number
  text: string
  pair?: { videoidPk: number; requestPk: number }
}

export type ParsedPairs =
  | { kind: 'lines'; lines: ParsedLine[] }
  | { kind: 'wrong_columns' }
  | { kind: 'empty' }

const SEPARATOR = /[,;\t]/
const COLUMNS = ['videoid_pk', 'request_pk'] as const

/** A field holding only digits (quoted or not) that make a valid pk. */
function pk(field: string | undefined): number | undefined {
  const digits = /^\s*"?(\d{1,16})"?\s*$/.exec(field ?? '')?.[1]
  const parsed = pkSchema.safeParse(digits)
  return parsed.success ? parsed.data : undefined
}

/**
 * Reads `videoid_pk,request_pk` pairs, one per line, as pasted or from a CSV file (comma, semicolon
 * or tab). A first line with letters is a header: it must name both columns, in any order, and then
 * other columns are ignored. Blank lines are skipped; every other line gets its own result.
 */
export function parsePairs(text: string): ParsedPairs {
  const rows = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((row, index) => ({ line: index + 1, text: row.trim() }))
    .filter((row) => row.text !== '')
  if (!rows.length) return { kind: 'empty' }
  let columns = [0, 1]
  let width = 2
  const first = rows[0]
  if (first && /[a-z]/i.test(first.text)) {
    const names = first.text.split(SEPARATOR).map((name) =>
      name
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase(),
    )
    columns = COLUMNS.map((name) => names.indexOf(name))
    if (columns.some((index) => index < 0)) return { kind: 'wrong_columns' }
    width = names.length
    rows.shift()
  }
  const lines = rows.map(({ line, text: row }): ParsedLine => {
    const fields = row.split(SEPARATOR)
    const videoidPk = pk(fields[columns[0] ?? 0])
    const requestPk = pk(fields[columns[1] ?? 1])
    const fits = fields.length === width
    return fits && videoidPk !== undefined && requestPk !== undefined
      ? { line, text: row, pair: { videoidPk, requestPk } }
      : { line, text: row }
  })
  return { kind: 'lines', lines }
}
