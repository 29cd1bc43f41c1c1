import type { CaseRow } from '../../shared/cases'
import type { CaseDecisions, JournalEntry } from '../../shared/decisions'
import type { Emit } from '../ipc'

/**
 * Events that carry signers' personal data (cases, their decisions, journal entries) are held while
 * the desk is locked, and sent when it opens: the sync and the settling go on meanwhile, and the page
 * catches up at once. Held by case, so a long lock costs one copy of each case changed, not one per change;
 * the rows go out as one push numbered as the last one held, after every push the page had before.
 */
export function holdWhileLocked(emit: Emit, isLocked: () => boolean) {
  const rows = new Map<number, CaseRow>()
  let lastChange = 0
  const decisions = new Map<number, CaseDecisions>()
  const entries: JournalEntry[] = []

  const held: Emit = (name, payload) => {
    if (!isLocked()) return emit(name, payload)
    if (name === 'casesChanged') {
      const pushed = payload as { change: number; rows: CaseRow[] }
      lastChange = pushed.change
      for (const row of pushed.rows) rows.set(row.videoidPk, row)
    } else if (name === 'decisionsChanged') {
      const state = payload as CaseDecisions
      decisions.set(state.videoidPk, state)
    } else if (name === 'journalAppended') entries.push(...(payload as { entries: JournalEntry[] }).entries)
    else emit(name, payload)
  }

  /** Sends what was held, in the order the page needs: cases, their decisions, then the journal. */
  function release(): void {
    if (rows.size) emit('casesChanged', { change: lastChange, rows: [...rows.values()] })
    for (const state of decisions.values()) emit('decisionsChanged', state)
    if (entries.length) emit('journalAppended', { entries: [...entries] })
    rows.clear()
    decisions.clear()
    entries.length = 0
  }

  return { emit: held, release }
}
