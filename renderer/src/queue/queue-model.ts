import { type CaseRow, isPending, orderCases, queuedBefore, type RowPerson } from '../../../shared/cases'

export { isPending, orderCases }

/** A queue row's own facts; the signer's part is held apart, since main unseals it after the first rows. */
export type RowFacts = Omit<CaseRow, 'person'>

/** What the queue shows: what waits for this workstation, one state, the gone ones, or everything. */
export type QueueFilter =
  | { kind: 'pending' }
  | { kind: 'all' }
  | { kind: 'gone' }
  | { kind: 'status'; status: string }

/** Lower case without accents, so "garcia" finds "García". */
const folded = (text: string) =>
  text
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')

const personTexts = new WeakMap<RowPerson, string>()

/** Everything a search may match in a signer's data, folded once per version of it. */
function personText(person: RowPerson): string {
  let text = personTexts.get(person)
  if (text === undefined) {
    const { givenName, surname1, surname2, serialNumber, email, mobilePhoneNumber } = person
    const phone = mobilePhoneNumber ?? ''
    text = folded(
      [givenName, surname1, surname2, serialNumber, email, phone, phone.replace(/\D/g, '')]
        .filter((part) => part !== undefined && part !== '')
        .join('\n'),
    )
    personTexts.set(person, text)
  }
  return text
}

/**
 * The search text of each row, in the rows' order: the signer's data (once main has unsealed it) and
 * both pks. Built when the rows or the signers change, so a keystroke only compares strings.
 */
export function searchTexts(ordered: readonly RowFacts[], people: ReadonlyMap<number, RowPerson>): string[] {
  return ordered.map((row) => {
    const person = people.get(row.videoidPk)
    const pks = `${row.videoidPk}\n${row.requestPk}`
    return person ? `${personText(person)}\n${pks}` : pks
  })
}

const normaliseQuery = (query: string) => folded(query.trim())

function matchesFilter(row: RowFacts, filter: QueueFilter, twoStepMode: boolean): boolean {
  if (filter.kind === 'all') return true
  if (filter.kind === 'pending') return isPending(row, twoStepMode)
  if (filter.kind === 'gone') return row.gone
  return !row.gone && row.status === filter.status
}

/**
 * The rows the queue lists for a filter and a search, in queue order, and how many more rows match
 * the search in other states (offered, rather than "no match", when the filter hides them).
 */
export function visibleCases(
  ordered: readonly RowFacts[],
  texts: readonly string[],
  filter: QueueFilter,
  query: string,
  twoStepMode: boolean,
): { shown: RowFacts[]; elsewhere: number } {
  const needle = normaliseQuery(query)
  const shown: RowFacts[] = []
  let elsewhere = 0
  for (let index = 0; index < ordered.length; index++) {
    const row = ordered[index] as RowFacts
    if (needle !== '' && !(texts[index] ?? '').includes(needle)) continue
    if (matchesFilter(row, filter, twoStepMode)) shown.push(row)
    else if (needle !== '') elsewhere++
  }
  return { shown, elsewhere }
}

/**
 * The case the officer reviews after this one: the first pending one in queue order but itself (the
 * oldest pending), found in one pass rather than by ordering the whole queue.
 */
export function nextPendingCase(
  rows: ReadonlyMap<number, RowFacts>,
  current: number,
  twoStepMode: boolean,
): RowFacts | undefined {
  let next: RowFacts | undefined
  for (const row of rows.values()) {
    if (row.videoidPk === current || !isPending(row, twoStepMode)) continue
    if (!next || queuedBefore(row, next, twoStepMode)) next = row
  }
  return next
}

/** How many cases each filter holds: pending, all, gone, and one count per state present. */
export function countCases(rows: Iterable<RowFacts>, twoStepMode: boolean) {
  const byStatus = new Map<string, number>()
  let pending = 0
  let all = 0
  let gone = 0
  for (const row of rows) {
    all++
    if (row.gone) gone++
    else byStatus.set(row.status, (byStatus.get(row.status) ?? 0) + 1)
    if (isPending(row, twoStepMode)) pending++
  }
  return { pending, all, gone, byStatus }
}

const relativeFormats = new Map<string, Intl.RelativeTimeFormat>()
/** One formatter per language: making one costs more than a row's whole render. */
function relativeFormat(language: string): Intl.RelativeTimeFormat {
  let format = relativeFormats.get(language)
  if (!format) {
    format = new Intl.RelativeTimeFormat(language, { numeric: 'auto' })
    relativeFormats.set(language, format)
  }
  return format
}

/**
 * A time before now as the platform says it in a language ("3 hours ago", "hace 3 horas", "now"):
 * seconds under a minute read as now, then minutes, hours and days.
 */
export function relativeTime(language: string, iso: string, now: number): string {
  const format = relativeFormat(language)
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000))
  if (seconds < 60) return format.format(0, 'second')
  if (seconds < 3600) return format.format(-Math.floor(seconds / 60), 'minute')
  if (seconds < 86_400) return format.format(-Math.floor(seconds / 3600), 'hour')
  return format.format(-Math.floor(seconds / 86_400), 'day')
}
