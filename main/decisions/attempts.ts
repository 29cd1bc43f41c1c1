import type { DecisionEntry, JournalEntry, UploadEntry } from '../../shared/decisions'
import type { StatusEffect } from '../oneshot/outcome'
import { type Scope, scopeKey } from '../scope'

/** A write on the Optimizer that the journal records ahead: a decision, or a part of a capture's upload. */
type WriteEntry = DecisionEntry | UploadEntry

/** One write sent (or meant to be): its `intended` entry, and what became of it. */
export interface Attempt<E extends WriteEntry = DecisionEntry> {
  intended: E
  outcomes: E[]
}

/** Outcomes after which nothing is left to settle. */
const FINAL_PHASES: ReadonlySet<WriteEntry['phase']> = new Set([
  'done',
  'refused',
  'not_sent',
  'settled_done',
  'settled_not_done',
])

export const finalOf = <E extends WriteEntry>(attempt: Attempt<E>): E | undefined =>
  attempt.outcomes.find((entry) => FINAL_PHASES.has(entry.phase))

/** Whether an attempt took effect on the Optimizer: answered so, or settled so by its status. */
export const tookEffect = (attempt: Attempt<WriteEntry>) => {
  const phase = finalOf(attempt)?.phase
  return phase === 'done' || phase === 'settled_done'
}

/**
 * When the settle window of an attempt whose answer was lost ends: counted from the lost answer (or from
 * the attempt itself, after a killed app), as long as the window in force when the attempt was made, so
 * that a setting lowered later does not shorten it.
 */
export const settleWindowEnd = (attempt: Attempt<WriteEntry>, windowMsNow: number) =>
  Date.parse((attempt.outcomes.find((entry) => entry.phase === 'unknown') ?? attempt.intended).time) +
  (attempt.intended.settleWindowMs ?? windowMsNow)

/**
 * What one read of the request's status says of an attempt whose answer was lost: it took effect, it did
 * not (the request is in a state it cannot be made from: decided otherwise; or it has shown the state
 * before it for the whole settle window), or nothing yet (the state before it, within the window). One
 * policy for every write: a status that lags never makes a write count as not done on one read.
 */
export function settledBy(
  status: string,
  effect: StatusEffect,
  readAt: number,
  windowEndsAt: number,
): 'settled_done' | 'settled_not_done' | undefined {
  if (effect.tookEffect.includes(status)) return 'settled_done'
  if (!effect.allowedFrom.includes(status) || readAt >= windowEndsAt) return 'settled_not_done'
  return undefined
}

/** Entries written before the journal kept the scope belong to whichever scope asks. */
const ANY = '*'
const keyOf = (scope: string, videoidPk: number) => `${scope} ${videoidPk}`

/**
 * The journal's writes of one type (decisions, or uploads) by attempt and by case, brought up to date
 * with the entries appended since the last look, so that asking about one case never rescans a journal
 * of tens of thousands of entries. An outcome whose seal did not hold never closes an attempt (a forged
 * "did not take effect" must not open a resend); an outcome whose attempt's line was lost stands for
 * that attempt, so it is never forgotten.
 */
export function createAttemptIndex<T extends WriteEntry['type']>(
  type: T,
  entries: () => readonly JournalEntry[],
  trusted: (seq: number) => boolean,
) {
  type E = Extract<WriteEntry, { type: T }>
  const byAttempt = new Map<number, Attempt<E>>()
  const byCase = new Map<string, Attempt<E>[]>()
  let indexed = 0

  function add(intended: E): Attempt<E> {
    const attempt: Attempt<E> = { intended, outcomes: [] }
    byAttempt.set(intended.seq, attempt)
    const scope = intended.optimizer && intended.environment ? scopeKey(intended as Scope) : ANY
    const key = keyOf(scope, intended.videoidPk)
    byCase.set(key, [...(byCase.get(key) ?? []), attempt])
    return attempt
  }

  function catchUp(): void {
    const all = entries()
    for (; indexed < all.length; indexed++) {
      const entry = all[indexed]
      if (entry?.type !== type) continue
      const written = entry as E
      if (written.phase === 'intended') add(written)
      else if (written.attempt !== undefined) {
        if (FINAL_PHASES.has(written.phase) && !trusted(written.seq)) continue
        const attempt =
          byAttempt.get(written.attempt) ??
          add({ ...written, seq: written.attempt, phase: 'intended', attempt: undefined })
        attempt.outcomes.push(written)
      }
    }
  }

  return {
    /** A case's attempts, oldest first. */
    ofCase(scope: Scope, videoidPk: number): Attempt<E>[] {
      catchUp()
      const own = byCase.get(keyOf(scopeKey(scope), videoidPk)) ?? []
      const unscoped = byCase.get(keyOf(ANY, videoidPk)) ?? []
      return unscoped.length ? [...unscoped, ...own].sort((a, b) => a.intended.seq - b.intended.seq) : own
    },
    /** Attempts whose outcome no answer and no status has told yet, in any scope. */
    unsettled(): Attempt<E>[] {
      catchUp()
      return [...byAttempt.values()].filter((attempt) => !finalOf(attempt))
    },
    get(seq: number): Attempt<E> | undefined {
      catchUp()
      return byAttempt.get(seq)
    },
  }
}
