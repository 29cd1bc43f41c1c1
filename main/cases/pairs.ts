import { type Person, pkSchema } from '../../shared/cases'

export interface ParsedLine {
  line: number
  text: string
  pair?: { videoidPk: number; requestPk: number; check?: string }
}

export type ParsedPairs =
  | { kind: 'lines'; lines: ParsedLine[] }
  | { kind: 'wrong_columns' }
  | { kind: 'empty' }

const SEPARATOR = /[,;\t]/
const COLUMNS = ['videoid_pk', 'request_pk'] as const
const CHECK_COLUMN = 'check'
const MAX_CHECK = 254

/** A field holding only digits (quoted or not) that make a valid pk. */
function pk(field: string | undefined): number | undefined {
  const digits = /^\s*"?(\d{1,16})"?\s*$/.exec(field ?? '')?.[1]
  const parsed = pkSchema.safeParse(digits)
  return parsed.success ? parsed.data : undefined
}

const unquoted = (field: string | undefined) =>
  (field ?? '')
    .trim()
    .replace(/^"(.*)"$/, '$1')
    .trim()

/**
 * Reads `videoid_pk,request_pk[,check]` lines, as pasted or from a CSV file (comma, semicolon or tab).
 * The check is the signer's email, mobile number or document number as the RA's own system knows them;
 * it is compared with the request's data before the pair is added. A first line with letters where a
 * line of data has its pks is a header: it must name both pk columns, in any order; `check` is
 * optional; other columns are ignored. Blank lines are skipped; every other line gets its own result.
 */
export function parsePairs(text: string): ParsedPairs {
  const rows = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((row, index) => ({ line: index + 1, text: row.trim() }))
    .filter((row) => row.text !== '')
  if (!rows.length) return { kind: 'empty' }
  let columns = { videoidPk: 0, requestPk: 1, check: 2 }
  let widths = [2, 3]
  const first = rows[0]
  const firstFields = first?.text.split(SEPARATOR) ?? []
  // A header has letters where a line of data has its pks (a check may have letters too).
  if (
    first &&
    /[a-z]/i.test(first.text) &&
    pk(firstFields[0]) === undefined &&
    pk(firstFields[1]) === undefined
  ) {
    const names = first.text.split(SEPARATOR).map((name) => unquoted(name).toLowerCase())
    const [videoidPk, requestPk] = COLUMNS.map((name) => names.indexOf(name))
    if (videoidPk === undefined || requestPk === undefined || videoidPk < 0 || requestPk < 0)
      return { kind: 'wrong_columns' }
    columns = { videoidPk, requestPk, check: names.indexOf(CHECK_COLUMN) }
    widths = [names.length]
    rows.shift()
  }
  const lines = rows.map(({ line, text: row }): ParsedLine => {
    const fields = row.split(SEPARATOR)
    const videoidPk = pk(fields[columns.videoidPk])
    const requestPk = pk(fields[columns.requestPk])
    const check = columns.check >= 0 ? unquoted(fields[columns.check]) : ''
    const fits = widths.includes(fields.length) && check.length <= MAX_CHECK
    return fits && videoidPk !== undefined && requestPk !== undefined
      ? { line, text: row, pair: { videoidPk, requestPk, ...(check ? { check } : {}) } }
      : { line, text: row }
  })
  return { kind: 'lines', lines }
}

const folded = (value: string) =>
  value
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s.\-_/]/g, '')
const phoneDigits = (value: string) => value.replace(/[^\d]/g, '').replace(/^00/, '')
const looksLikePhone = (value: string) => /^[+\d\s().\-/]+$/.test(value) && phoneDigits(value).length >= 8

/**
 * Whether a pair's check names the request's signer: their email, mobile number or document number, with
 * case, spaces and phone formatting set aside. A mobile number written without its country prefix
 * matches the end of the request's number.
 */
export function checkMatches(check: string, person: Person): boolean {
  const given = folded(check)
  if (!given) return false
  if (person.email && folded(person.email) === given) return true
  if (person.serialNumber && folded(person.serialNumber) === given) return true
  if (person.mobilePhoneNumber && looksLikePhone(check)) {
    const theirs = phoneDigits(person.mobilePhoneNumber)
    const ours = phoneDigits(check)
    return theirs === ours || theirs.endsWith(ours)
  }
  return false
}
