import { createStore } from 'zustand/vanilla'
import type { RaoApi } from '../../../shared/api'
import type {
  AddCasesResult,
  Case,
  CaseBookState,
  NewVideoId,
  SyncState,
  VideoIdDefaults,
} from '../../../shared/cases'
import type { RefusalReason } from '../../../shared/decisions'
import type { AppErrorShape, IpcResult } from '../../../shared/errors'

export type BookState =
  | { state: 'loading' }
  | { state: 'open' }
  | Exclude<CaseBookState, { state: 'open' }>
  | { state: 'failed'; error: AppErrorShape }

/** An action on one case (or on the book) and how it went, for the one message the screen shows. */
export type CaseAction = 'refresh' | 'note' | 'sync' | 'recover'
export type CaseOutcome =
  | { action: CaseAction; ok: true }
  | { action: CaseAction; ok: false; error: AppErrorShape }

export interface CasesState {
  book: BookState
  /** Every case of the Optimizer and environment in use, by Video ID pk. */
  cases: ReadonlyMap<number, Case>
  sync: SyncState | null
  busy: CaseAction | null
  outcome: CaseOutcome | null
  /** The files a recovery set aside (never deleted), to tell the officer where they are. */
  keptAside: readonly string[]
  load(): Promise<void>
  /** Loads the book unless it is loaded or loading already. */
  ensureLoaded(): Promise<void>
  syncNow(): Promise<void>
  recover(from: 'last_good' | 'empty'): Promise<void>
  addPairs(text: string): Promise<IpcResult<AddCasesResult>>
  videoIdDefaults(): Promise<IpcResult<VideoIdDefaults>>
  create(input: NewVideoId): Promise<IpcResult<{ case: Case; link?: string }>>
  refresh(videoidPk: number): Promise<void>
  saveNote(videoidPk: number, note: string): Promise<boolean>
  /** Keeps the refusal reason being typed with the case in main. */
  saveReasonDraft(videoidPk: number, draft: { code?: string; text: string }): Promise<void>
  /** Takes a case main answered with (after a decision, say). */
  takeCase(item: Case): void
}

const merged = (current: ReadonlyMap<number, Case>, changed: readonly Case[]) => {
  const next = new Map(current)
  for (const item of changed) next.set(item.videoidPk, item)
  return next
}

export function createCasesStore(api: RaoApi) {
  const store = createStore<CasesState>()((set, get) => {
    const adoptBook = (book: CaseBookState) => {
      if (book.state === 'open') {
        set({
          book: { state: 'open' },
          cases: new Map(book.cases.map((item) => [item.videoidPk, item])),
          sync: book.sync,
        })
      } else set({ book, cases: new Map() })
    }

    /** Runs one action; a case it returns replaces the one held. */
    async function run<T>(
      action: CaseAction,
      call: () => Promise<IpcResult<T>>,
      onValue: (value: T) => void,
    ) {
      if (get().busy) return false
      set({ busy: action, outcome: null })
      const result = await call()
      if (result.ok) onValue(result.value)
      set({
        busy: null,
        outcome: result.ok ? { action, ok: true } : { action, ok: false, error: result.error },
      })
      return result.ok
    }
    const takeCase = (item: Case) => set({ cases: merged(get().cases, [item]) })
    let loading: Promise<void> | undefined

    return {
      book: { state: 'loading' },
      cases: new Map(),
      sync: null,
      busy: null,
      outcome: null,
      keptAside: [],

      load() {
        loading ??= api
          .getCaseBook()
          .then((result) => {
            if (result.ok) adoptBook(result.value)
            else set({ book: { state: 'failed', error: result.error } })
          })
          .finally(() => {
            loading = undefined
          })
        return loading
      },
      async ensureLoaded() {
        if (get().book.state === 'loading') await get().load()
      },
      async syncNow() {
        await run(
          'sync',
          () => api.syncCases(),
          (sync) => set({ sync }),
        )
      },
      async recover(from) {
        await run(
          'recover',
          () => api.recoverCaseBook({ from }),
          ({ book, keptAside }) => {
            adoptBook(book)
            set({ keptAside })
          },
        )
      },
      async addPairs(text) {
        const result = await api.addCases({ text })
        // The added cases arrive as a `casesChanged` event too; reading the book also covers a missed one.
        if (result.ok) await get().load()
        return result
      },
      videoIdDefaults: () => api.getVideoIdDefaults(),
      async create(input) {
        const result = await api.createVideoId(input)
        if (result.ok) takeCase(result.value.case)
        return result
      },
      async refresh(videoidPk) {
        await run('refresh', () => api.refreshCase({ videoidPk }), takeCase)
      },
      saveNote: (videoidPk, note) => run('note', () => api.saveCaseNote({ videoidPk, note }), takeCase),
      takeCase,
      async saveReasonDraft(videoidPk, draft) {
        const result = await api.saveReasonDraft({
          videoidPk,
          draft: { text: draft.text, ...(draft.code ? { code: draft.code as RefusalReason } : {}) },
        })
        if (result.ok) takeCase(result.value)
      },
    }
  })
  api.onCasesChanged(({ cases }) => {
    if (store.getState().book.state === 'open')
      store.setState({ cases: merged(store.getState().cases, cases) })
  })
  api.onSyncChanged((sync) => store.setState({ sync }))
  // Another Optimizer or environment holds other cases.
  api.onSettingsChanged(() => void store.getState().load())
  return store
}

export type CasesStore = ReturnType<typeof createCasesStore>
