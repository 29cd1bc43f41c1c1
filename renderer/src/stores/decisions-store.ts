import { createStore } from 'zustand/vanilla'
import type { RaoApi } from '../../../shared/api'
import type { Case } from '../../../shared/cases'
import type { Checklist, DecisionAction, DecisionInput, JournalState } from '../../../shared/decisions'
import type { AppErrorShape } from '../../../shared/errors'

export const emptyChecklist = (): Checklist => ({ checked: [], securityFeatures: [], snapshots: {} })

export type DecisionOutcome =
  | { videoidPk: number; action: DecisionAction; ok: true }
  | { videoidPk: number; action: DecisionAction; ok: false; error: AppErrorShape }

export interface DecisionsState {
  /** The checklist ticked so far, per case. */
  checklists: ReadonlyMap<number, Checklist>
  /** The case whose decision is on its way. */
  sending: number | null
  outcome: DecisionOutcome | null
  journal: JournalState | { error: AppErrorShape } | null
  setChecklist(videoidPk: number, checklist: Checklist): void
  decide(input: DecisionInput, onCase: (item: Case) => void): Promise<boolean>
  loadJournal(): Promise<void>
}

export function createDecisionsStore(api: RaoApi) {
  return createStore<DecisionsState>()((set, get) => ({
    checklists: new Map(),
    sending: null,
    outcome: null,
    journal: null,
    setChecklist: (videoidPk, checklist) =>
      set({ checklists: new Map(get().checklists).set(videoidPk, checklist) }),
    async decide(input, onCase) {
      // One at a time from here too; main refuses a second one for the same case whatever is sent.
      if (get().sending !== null) return false
      set({ sending: input.videoidPk, outcome: null })
      const result = await api.decide(input)
      if (result.ok) onCase(result.value.case)
      set({
        sending: null,
        outcome: result.ok
          ? { videoidPk: input.videoidPk, action: input.action, ok: true }
          : { videoidPk: input.videoidPk, action: input.action, ok: false, error: result.error },
      })
      await get().loadJournal()
      return result.ok
    },
    async loadJournal() {
      const result = await api.getJournal()
      set({ journal: result.ok ? result.value : { error: result.error } })
    },
  }))
}

export type DecisionsStore = ReturnType<typeof createDecisionsStore>
