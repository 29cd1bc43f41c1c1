import { createStore } from 'zustand/vanilla'
import type { RaoApi } from '../../../shared/api'
import {
  type AddCasesResult,
  type Case,
  type CaseBookState,
  type CaseRow,
  type NewVideoId,
  type RowPerson,
  rowOf,
  type SyncState,
  type VideoIdDefaults,
} from '../../../shared/cases'
import type { RefusalReason } from '../../../shared/decisions'
import type { AppErrorShape, IpcResult } from '../../../shared/errors'
import type { RowFacts } from '../queue/queue-model'

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
  /** The queue's rows of the Optimizer and environment in use, by Video ID pk. */
  rows: ReadonlyMap<number, RowFacts>
  /** Each row's signer, as main unseals them: the queue's first rows at once, the rest just after. */
  people: ReadonlyMap<number, RowPerson>
  /** Cases opened, whole, by Video ID pk. */
  opened: ReadonlyMap<number, Case>
  /** Opening a case failed: why, by Video ID pk. */
  openFailed: ReadonlyMap<number, AppErrorShape>
  sync: SyncState | null
  busy: CaseAction | null
  outcome: CaseOutcome | null
  /** The files a recovery set aside (never deleted), to tell the officer where they are. */
  keptAside: readonly string[]
  /** An addition of pairs under way: lines read from the Optimizer so far, of those to read. */
  adding: { checked: number; total: number } | null
  load(): Promise<void>
  /** Loads the book unless it is loaded or loading already. */
  ensureLoaded(): Promise<void>
  /** Fetches a case whole, to show it; it is fetched again whenever main says it changed. */
  openCase(videoidPk: number): Promise<void>
  /** The case is no longer shown: its whole data is let go. */
  closeCase(videoidPk: number): void
  syncNow(): Promise<void>
  recover(from: 'last_good' | 'empty'): Promise<void>
  addPairs(text: string): Promise<IpcResult<AddCasesResult>>
  /** Stops the addition under way; what it checked is kept. */
  cancelAdding(): Promise<void>
  videoIdDefaults(): Promise<IpcResult<VideoIdDefaults>>
  create(input: NewVideoId): Promise<IpcResult<{ case: Case; link?: string }>>
  refresh(videoidPk: number): Promise<void>
  saveNote(videoidPk: number, note: string): Promise<boolean>
  /** Keeps the refusal reason being typed with the case in main. */
  saveReasonDraft(videoidPk: number, draft: { code?: string; text: string }): Promise<void>
  /** Takes a case main answered with (after a decision, say): its row, and the case whole while it is on screen. */
  takeCase(item: Case): void
}

const FACTS = [
  'requestPk',
  'status',
  'addedAt',
  'statusSince',
  'gone',
  'pairVerified',
  'sealedUnreadable',
] as const
const sameFacts = (a: RowFacts, b: RowFacts) => FACTS.every((field) => a[field] === b[field])

/**
 * The rows and signers after `incoming`. A row whose facts did not change keeps its object, so the
 * queue's order is not worked out again when only signers arrive; each map is copied once at most.
 */
function merged(
  held: { rows: ReadonlyMap<number, RowFacts>; people: ReadonlyMap<number, RowPerson> },
  incoming: readonly CaseRow[],
) {
  let rows: Map<number, RowFacts> | undefined
  let people: Map<number, RowPerson> | undefined
  for (const { person, ...facts } of incoming) {
    const current = held.rows.get(facts.videoidPk)
    if (!current || !sameFacts(current, facts)) {
      rows ??= new Map(held.rows)
      rows.set(facts.videoidPk, facts)
    }
    if (person) {
      people ??= new Map(held.people)
      people.set(facts.videoidPk, person)
    }
  }
  return { rows: rows ?? held.rows, people: people ?? held.people }
}

const withEntry = <K, V>(map: ReadonlyMap<K, V>, key: K, value: V | undefined) => {
  const next = new Map(map)
  if (value === undefined) next.delete(key)
  else next.set(key, value)
  return next
}

export function createCasesStore(api: RaoApi) {
  /** The number of the last rows applied; rows pushed before the book's answer are in it already. */
  let applied = 0
  /** Rows pushed while the book is being read: applied over its answer, those that came after it. */
  let early: { change: number; rows: CaseRow[] }[] | undefined
  /** The book's read under way, and how many were asked for: only the last one's answer is taken. */
  let loading: Promise<void> | undefined
  let reads = 0
  /** The cases on screen: a whole case answered after its page was left is not kept. */
  const shown = new Set<number>()

  const store = createStore<CasesState>()((set, get) => {
    const adoptBook = (book: CaseBookState) => {
      if (book.state === 'open') {
        applied = book.changes
        const fresh = { rows: new Map(), people: new Map() }
        set({ ...merged(fresh, book.rows), sync: book.sync, book: { state: 'open' } })
        for (const { change, rows } of early ?? []) applyRows(change, rows)
      } else set({ book, rows: new Map(), people: new Map() })
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
    // A case answered after its page was left (a decision, a note) updates its row, and is not kept whole.
    const takeCase = (item: Case) =>
      set({
        ...merged(get(), [rowOf(item)]),
        ...(shown.has(item.videoidPk) ? { opened: withEntry(get().opened, item.videoidPk, item) } : {}),
      })

    return {
      book: { state: 'loading' },
      rows: new Map(),
      people: new Map(),
      opened: new Map(),
      openFailed: new Map(),
      sync: null,
      busy: null,
      outcome: null,
      keptAside: [],
      adding: null,

      load() {
        // A read under way may be of the Optimizer or environment the settings just left: this one is
        // asked for anyway, and only its answer is taken.
        const read = ++reads
        early ??= []
        loading = api
          .getCaseBook()
          .then((result) => {
            if (read !== reads) return
            if (result.ok) adoptBook(result.value)
            else set({ book: { state: 'failed', error: result.error } })
          })
          .finally(() => {
            if (read !== reads) return
            loading = undefined
            early = undefined
          })
        return loading
      },
      async ensureLoaded() {
        if (get().book.state === 'loading') await (loading ?? get().load())
      },
      async openCase(videoidPk) {
        shown.add(videoidPk)
        const result = await api.getCase({ videoidPk })
        if (!shown.has(videoidPk)) return
        if (result.ok) {
          takeCase(result.value)
          set({ openFailed: withEntry(get().openFailed, videoidPk, undefined) })
        } else set({ openFailed: withEntry(get().openFailed, videoidPk, result.error) })
      },
      closeCase(videoidPk) {
        shown.delete(videoidPk)
        set({
          opened: withEntry(get().opened, videoidPk, undefined),
          openFailed: withEntry(get().openFailed, videoidPk, undefined),
        })
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
        set({ adding: { checked: 0, total: 0 } })
        // The added cases arrive as `casesChanged` rows, numbered, while the addition runs.
        const result = await api.addCases({ text })
        set({ adding: null })
        return result
      },
      async cancelAdding() {
        await api.cancelAddCases()
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
  /** Rows main pushed after those already applied; a case on screen among them is fetched again whole. */
  function applyRows(change: number, rows: readonly CaseRow[]) {
    if (change <= applied) return
    applied = change
    const state = store.getState()
    store.setState(merged(state, rows))
    for (const row of rows) if (state.opened.has(row.videoidPk)) void state.openCase(row.videoidPk)
  }
  api.onCasesChanged(({ change, rows }) => {
    if (early) early.push({ change, rows })
    else if (store.getState().book.state === 'open') applyRows(change, rows)
  })
  api.onAddCasesProgress((progress) => {
    if (store.getState().adding) store.setState({ adding: progress })
  })
  api.onSyncChanged((sync) => store.setState({ sync }))
  // Another Optimizer or environment holds other cases.
  api.onSettingsChanged(() => void store.getState().load())
  return store
}

export type CasesStore = ReturnType<typeof createCasesStore>
