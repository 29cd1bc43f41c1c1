import type { Case } from '../../shared/cases'

/**
 * The one policy for "this request no longer exists", for sync, a case read again and a decision's
 * re-read alike. Only the Optimizer's own 404 counts: one answered while the address also answers
 * `/hello` (a wrong address, or a proxy in front, answers 404 to everything). One such answer marks the
 * case missing; it is retired (gone) only when the answer comes again at least `confirmMs` later, on a
 * later read. Any answer with the request clears both; gone cases are read again every `recheckMs`, so
 * one that reappears comes back.
 */
export interface GonePolicy {
  confirmMs: number
  recheckMs: number
}

export const DEFAULT_GONE_POLICY: GonePolicy = { confirmMs: 5 * 60_000, recheckMs: 3600_000 }

/** The case after the Optimizer's own 404 at `at`. */
export function afterNotFound(item: Case, at: Date, policy: GonePolicy): Case {
  const since = item.missingSince ? Date.parse(item.missingSince) : undefined
  if (since === undefined) return { ...item, missingSince: at.toISOString() }
  return at.getTime() - since >= policy.confirmMs ? { ...item, gone: true } : item
}

/** Whether a gone case is due for its slow re-read. */
export const dueForRecheck = (item: Pick<Case, 'syncedAt' | 'addedAt'>, now: Date, policy: GonePolicy) =>
  now.getTime() - Date.parse(item.syncedAt ?? item.addedAt) >= policy.recheckMs

/** Whether the address answers as an Optimizer: only then is its 404 the Optimizer's own. */
export const optimizerAnswers = (client: { hello(): Promise<unknown> }): Promise<boolean> =>
  client.hello().then(
    () => true,
    () => false,
  )
