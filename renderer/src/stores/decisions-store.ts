import { createStore } from 'zustand/vanilla'
import type { RaoApi } from '../../../shared/api'
import type { Case } from '../../../shared/cases'
import type {
  CaseDecisions,
  Checklist,
  DecisionAction,
  DecisionInput,
  JournalState,
  RefusalReason,
} from '../../../shared/decisions'
import type { AppErrorShape } from '../../../shared/errors'

export const emptyChecklist = (): Checklist => ({ checked: [], securityFeatures: [], snapshots: {} })

export type DecisionOutcome =
  | { videoidPk: number; action: DecisionAction; ok: true }
  | { videoidPk: number; action: DecisionAction; ok: false; error: AppErrorShape }

/** What the officer is told after a decision, wherever they are by then (the next case, say). */
export interface Announcement {
  id: number
  name: string
  action: DecisionAction
  outcome: 'done' | 'unknown' | 'failed'
}

/** How long an announcement stays on screen. */
export const ANNOUNCEMENT_MS = 8000

/** A refusal's reason as it is being typed: kept here so that the lock (or a trip to the queue) loses none of it. */
export interface ReasonDraft {
  code: RefusalReason | ''
  text: string
}

export interface DecisionsState {
  /** The checklist ticked so far, per case. */
  checklists: ReadonlyMap<number, Checklist>
  /** The refusal reason being typed, per case. */
  reasons: ReadonlyMap<number, ReasonDraft>
  /** Where each case's decisions stand, as main's journal tells it. */
  byCase: ReadonlyMap<number, CaseDecisions>
  /** The case whose decision is on its way. */
  sending: number | null
  outcome: DecisionOutcome | null
  announcement: Announcement | null
  journal: JournalState | { error: AppErrorShape } | null
  setChecklist(videoidPk: number, checklist: Checklist): void
  setReason(videoidPk: number, reason: ReasonDraft): void
  loadCase(videoidPk: number): Promise<void>
  decide(input: DecisionInput, name: string, onCase: (item: Case) => void): Promise<boolean>
  loadJournal(): Promise<void>
}

export function createDecisionsStore(api: RaoApi) {
  let announcements = 0
  let clearing: ReturnType<typeof setTimeout> | undefined
  const store = createStore<DecisionsState>()((set, get) => {
    const announce = (announcement: Omit<Announcement, 'id'>) => {
      clearTimeout(clearing)
      set({ announcement: { ...announcement, id: ++announcements } })
      clearing = setTimeout(() => set({ announcement: null }), ANNOUNCEMENT_MS)
    }
    const keep = (state: CaseDecisions) => set({ byCase: new Map(get().byCase).set(state.videoidPk, state) })
    return {
      checklists: new Map(),
      reasons: new Map(),
      byCase: new Map(),
      sending: null,
      outcome: null,
      announcement: null,
      journal: null,
      setChecklist: (videoidPk, checklist) =>
        set({ checklists: new Map(get().checklists).set(videoidPk, checklist) }),
      setReason: (videoidPk, reason) => set({ reasons: new Map(get().reasons).set(videoidPk, reason) }),
      async loadCase(videoidPk) {
        const result = await api.getCaseDecisions({ videoidPk })
        if (result.ok) keep(result.value)
      },
      async decide(input, name, onCase) {
        // One at a time from here too; main refuses a second one for the same case whatever is sent.
        if (get().sending !== null) return false
        set({ sending: input.videoidPk, outcome: null })
        const result = await api.decide(input)
        if (result.ok) onCase(result.value.case)
        const reasons = new Map(get().reasons)
        // A refusal sent: its reason is no longer a draft.
        if (result.ok && input.action === 'refuse') reasons.delete(input.videoidPk)
        set({
          reasons,
          sending: null,
          outcome: result.ok
            ? { videoidPk: input.videoidPk, action: input.action, ok: true }
            : { videoidPk: input.videoidPk, action: input.action, ok: false, error: result.error },
        })
        // Confirmations main asked for are questions in the dialog, not outcomes to announce.
        const asked = !result.ok && ['resend_unconfirmed', 'pair_unconfirmed'].includes(result.error.code)
        if (!asked)
          announce({
            name,
            action: input.action,
            outcome: result.ok ? 'done' : result.error.code === 'outcome_unknown' ? 'unknown' : 'failed',
          })
        return result.ok
      },
      async loadJournal() {
        const result = await api.getJournal()
        set({ journal: result.ok ? result.value : { error: result.error } })
      },
    }
  })
  api.onDecisionsChanged((state) =>
    store.setState({ byCase: new Map(store.getState().byCase).set(state.videoidPk, state) }),
  )
  // The journal grows by events: it is read whole once, never again after each decision.
  api.onJournalAppended(({ entries }) => {
    const { journal } = store.getState()
    if (journal && 'entries' in journal) {
      const known = journal.entries.at(-1)?.seq ?? 0
      const fresh = entries.filter((entry) => entry.seq > known)
      if (fresh.length) store.setState({ journal: { ...journal, entries: [...journal.entries, ...fresh] } })
    }
  })
  return store
}

export type DecisionsStore = ReturnType<typeof createDecisionsStore>
