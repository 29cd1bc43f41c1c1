import { type Case, pendingStep } from '../../../shared/cases'

/** What the queue shows: what waits for this workstation, one state, the gone ones, or everything. */
export type QueueFilter =
  | { kind: 'pending' }
  | { kind: 'all' }
  | { kind: 'gone' }
  | { kind: 'status'; status: string }

const haystacks = new WeakMap<Case, string>()

/** Everything a search may match in a case, lower-cased once per version of the case. */
function haystackOf(item: Case): string {
  let text = haystacks.get(item)
  if (text === undefined) {
    const { givenName, surname1, surname2, serialNumber, email, mobilePhoneNumber } = item.person
    const phone = mobilePhoneNumber ?? ''
    text = [
      givenName,
      surname1,
      surname2,
      serialNumber,
      email,
      phone,
      phone.replace(/\D/g, ''),
      item.videoidPk,
      item.requestPk,
    ]
      .filter((part) => part !== undefined && part !== '')
      .join('\n')
      .toLowerCase()
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
    haystacks.set(item, text)
  }
  return text
}

/** Builds the search text of every case ahead of the first search. */
export function warmSearch(cases: readonly Case[]): void {
  for (const item of cases) haystackOf(item)
}

/** Lower case without accents, so "garcia" finds "García". */
const normaliseQuery = (query: string) =>
  query
    .trim()
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')

const byAge = (a: Case, b: Case) =>
  a.addedAt < b.addedAt ? -1 : a.addedAt > b.addedAt ? 1 : a.videoidPk - b.videoidPk

/** Oldest first, what waits for this workstation ahead of the rest. */
export function orderCases(cases: Iterable<Case>, twoStepMode: boolean): Case[] {
  const pending: Case[] = []
  const rest: Case[] = []
  for (const item of cases) (isPending(item, twoStepMode) ? pending : rest).push(item)
  return [...pending.sort(byAge), ...rest.sort(byAge)]
}

export const isPending = (item: Case, twoStepMode: boolean) =>
  !item.gone && pendingStep(item.status, twoStepMode) !== null

function matchesFilter(item: Case, filter: QueueFilter, twoStepMode: boolean): boolean {
  if (filter.kind === 'all') return true
  if (filter.kind === 'pending') return isPending(item, twoStepMode)
  if (filter.kind === 'gone') return item.gone
  return !item.gone && item.status === filter.status
}

/** The cases the queue lists for a filter and a search, in queue order. */
export function visibleCases(
  ordered: readonly Case[],
  filter: QueueFilter,
  query: string,
  twoStepMode: boolean,
) {
  const needle = normaliseQuery(query)
  return ordered.filter(
    (item) =>
      matchesFilter(item, filter, twoStepMode) && (needle === '' || haystackOf(item).includes(needle)),
  )
}

/** How many cases each filter holds: pending, all, gone, and one count per state present. */
export function countCases(cases: Iterable<Case>, twoStepMode: boolean) {
  const byStatus = new Map<string, number>()
  let pending = 0
  let all = 0
  let gone = 0
  for (const item of cases) {
    all++
    if (item.gone) gone++
    else byStatus.set(item.status, (byStatus.get(item.status) ?? 0) + 1)
    if (isPending(item, twoStepMode)) pending++
  }
  return { pending, all, gone, byStatus }
}

/** An age as days, hours and minutes, the two largest units that apply. */
export function ageParts(ms: number): { days: number; hours: number; minutes: number } {
  const minutes = Math.max(0, Math.floor(ms / 60_000))
  return { days: Math.floor(minutes / 1440), hours: Math.floor((minutes % 1440) / 60), minutes: minutes % 60 }
}
