import type { DecisionEntry, JournalEntry } from '../../shared/decisions'
import { type Scope, scopeKey } from '../scope'

/** One decision sent (or meant to be): its `intended` entry, and what became of it. */
export interface Attempt {
  intended: DecisionEntry
  outcomes: DecisionEntry[]
}

/** Outcomes after which nothing is left to settle. */
const FINAL_PHASES: ReadonlySet<DecisionEntry['phase']> = new Set([
  'done',
  'refused',
  'not_sent',
  'settled_done',
  'settled_not_done',
])

export const finalOf = (attempt: Attempt) => attempt.outcomes.find((entry) => FINAL_PHASES.has(entry.phase))

/** Entries written before the journal kept the scope belong to whichever scope asks. */
const ANY = '*'
const keyOf = (scope: string, videoidPk: number) => `${scope} ${videoidPk}`

/**
 * The journal's decisions by attempt and by case, brought up to date with the entries appended since the
 * last look, so that asking about one case never rescans a journal of tens of thousands of entries. An
 * outcome whose seal did not hold never closes an attempt (a forged "did not take effect" must not open a
 * resend); an outcome whose attempt's line was lost stands for that attempt, so it is never forgotten.
 */
export function createAttemptIndex(
  entries: () => readonly JournalEntry[],
  trusted: (seq: number) => boolean,
) {
  const byAttempt = new Map<number, Attempt>()
  const byCase = new Map<string, Attempt[]>()
  let indexed = 0

  function add(intended: DecisionEntry): Attempt {
    const attempt = { intended, outcomes: [] }
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
      if (entry?.type !== 'decision') continue
      if (entry.phase === 'intended') add(entry)
      else if (entry.attempt !== undefined) {
        if (FINAL_PHASES.has(entry.phase) && !trusted(entry.seq)) continue
        const attempt =
          byAttempt.get(entry.attempt) ??
          add({ ...entry, seq: entry.attempt, phase: 'intended', attempt: undefined })
        attempt.outcomes.push(entry)
      }
    }
  }

  return {
    /** A case's attempts, oldest first. */
    ofCase(scope: Scope, videoidPk: number): Attempt[] {
      catchUp()
      const own = byCase.get(keyOf(scopeKey(scope), videoidPk)) ?? []
      const unscoped = byCase.get(keyOf(ANY, videoidPk)) ?? []
      return unscoped.length ? [...unscoped, ...own].sort((a, b) => a.intended.seq - b.intended.seq) : own
    },
    /** Attempts whose outcome no answer and no status has told yet, in any scope. */
    unsettled(): Attempt[] {
      catchUp()
      return [...byAttempt.values()].filter((attempt) => !finalOf(attempt))
    },
    get(seq: number): Attempt | undefined {
      catchUp()
      return byAttempt.get(seq)
    },
  }
}

export type AttemptIndex = ReturnType<typeof createAttemptIndex>
