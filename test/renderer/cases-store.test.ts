import { describe, expect, it } from 'vitest'
import { createCasesStore } from '../../renderer/src/stores/cases-store'
import { type Case, type CaseBookState, rowOf } from '../../shared/cases'
import type { IpcResult } from '../../shared/errors'
import { defaultSettings } from '../../shared/settings'
import { fakeApi } from './fake-api'

// The page's store of the case book, fed by a `window.rao` the real `createApi` built: answers held
// until the test lets them go, events pushed as main pushes them.

const lucia: Case = {
  videoidPk: 16673,
  requestPk: 923056,
  status: 'VIDEOREVIEW',
  addedAt: '2026-11-30T09:00:00.000Z',
  gone: false,
  pairVerified: true,
  person: { givenName: 'Lucía', surname1: 'García', serialNumber: '48213957T' },
  note: '',
  sealedUnreadable: false,
}
const javier: Case = { ...lucia, videoidPk: 16674, requestPk: 923057, person: { givenName: 'Javier' } }
const openBook = (cases: Case[], changes: number): CaseBookState => ({
  state: 'open',
  rows: cases.map(rowOf),
  changes,
  sync: { running: false, online: true },
})

/** An answer the test lets go of when it chooses. */
function held<T>() {
  let release: (value: T) => void = () => undefined
  const answer = new Promise<IpcResult<T>>((resolve) => {
    release = (value) => resolve({ ok: true, value })
  })
  return { answer: () => answer, release }
}

const statusOf = (store: ReturnType<typeof createCasesStore>, videoidPk: number) =>
  store.getState().rows.get(videoidPk)?.status

describe('the case book in the page', () => {
  it('applies the rows pushed while the book was read, those numbered after its answer only', async () => {
    const book = held<CaseBookState>()
    const api = fakeApi({ getCaseBook: book.answer })
    const store = createCasesStore(api)
    const loading = store.getState().load()
    // Main pushes while the answer is on its way: one it made before the answer, one after.
    api.emit('casesChanged', { change: 3, rows: [rowOf({ ...lucia, status: 'CANCELLED' })] })
    api.emit('casesChanged', { change: 5, rows: [rowOf({ ...javier, status: 'ENROLLREADY' })] })
    book.release(openBook([lucia, javier], 4))
    await loading
    expect(statusOf(store, lucia.videoidPk)).toBe('VIDEOREVIEW')
    expect(statusOf(store, javier.videoidPk)).toBe('ENROLLREADY')
  })

  it('takes the book of the Optimizer and environment chosen while another’s was being read', async () => {
    const before = held<CaseBookState>()
    const after = held<CaseBookState>()
    const answers = [before, after]
    let asked = 0
    const api = fakeApi({ getCaseBook: () => (answers[asked++] ?? after).answer() })
    const store = createCasesStore(api)
    const first = store.getState().load()
    api.emit('settingsChanged', { ...defaultSettings, environment: 'prod' })
    expect(api.calls.filter((name) => name === 'getCaseBook')).toHaveLength(2)
    after.release(openBook([javier], 1))
    before.release(openBook([lucia], 1))
    await first
    await store.getState().ensureLoaded()
    expect([...store.getState().rows.keys()]).toEqual([javier.videoidPk])
  })

  it('keeps nothing of a case whose page was left before its answers came', async () => {
    const opened = held<Case>()
    const noted = held<Case>()
    let failOpen: (result: IpcResult<Case>) => void = () => undefined
    const api = fakeApi({
      getCaseBook: async () => ({ ok: true, value: openBook([lucia, javier], 0) }),
      getCase: () =>
        (api.inputs.at(-1) as { videoidPk: number }).videoidPk === javier.videoidPk
          ? new Promise((resolve) => (failOpen = resolve))
          : opened.answer(),
      saveCaseNote: noted.answer,
    })
    const store = createCasesStore(api)
    await store.getState().load()
    const opening = store.getState().openCase(lucia.videoidPk)
    const saving = store.getState().saveNote(lucia.videoidPk, 'Called the signer')
    const failing = store.getState().openCase(javier.videoidPk)
    store.getState().closeCase(lucia.videoidPk)
    store.getState().closeCase(javier.videoidPk)
    opened.release(lucia)
    noted.release({ ...lucia, note: 'Called the signer', status: 'VIDEOINCOMPLETE' })
    failOpen({ ok: false, error: { code: 'internal', message: 'x' } })
    await Promise.all([opening, saving, failing])
    expect(store.getState().opened.size).toBe(0)
    expect(store.getState().openFailed.size).toBe(0)
    // The row still shows what the answer said.
    expect(statusOf(store, lucia.videoidPk)).toBe('VIDEOINCOMPLETE')
    // On screen, the same answers are kept.
    const again = store.getState().openCase(lucia.videoidPk)
    await again
    expect(store.getState().opened.get(lucia.videoidPk)?.note).toBe('')
  })
})
