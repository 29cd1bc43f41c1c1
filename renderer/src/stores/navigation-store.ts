import { createStore } from 'zustand/vanilla'
import type { QueueFilter } from '../queue/queue-model'

export type Page =
  | { name: 'queue' }
  | { name: 'case'; videoidPk: number }
  /** Capture at the desk for a Video ID this desk created. */
  | { name: 'capture'; videoidPk: number }
  | { name: 'add' }
  | { name: 'journal' }
  | { name: 'account' }
  | { name: 'settings' }

/** The queue as the officer left it, so that going back from a case lands where they were. */
export interface QueueView {
  filter: QueueFilter
  query: string
  selected: number | null
}

export interface NavigationState {
  page: Page
  queue: QueueView
  go(page: Page): void
  setQueue(patch: Partial<QueueView>): void
}

/** Where the officer is. The queue is home; a case opens from it and Esc goes back. */
export const createNavigationStore = () =>
  createStore<NavigationState>()((set, get) => ({
    page: { name: 'queue' },
    queue: { filter: { kind: 'pending' }, query: '', selected: null },
    go: (page) => set({ page }),
    setQueue: (patch) => set({ queue: { ...get().queue, ...patch } }),
  }))

export type NavigationStore = ReturnType<typeof createNavigationStore>
