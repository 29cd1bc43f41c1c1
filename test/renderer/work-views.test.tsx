// @vitest-environment jsdom
import { act, cleanup, render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import i18n from 'i18next'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { App } from '../../renderer/src/App'
import { initI18n } from '../../renderer/src/i18n'
import { createStores, StoresProvider } from '../../renderer/src/stores/context'
import type { Page } from '../../renderer/src/stores/navigation-store'
import { type Case, type CaseBookState, rowOf } from '../../shared/cases'
import type { CaseDecisions, JournalState } from '../../shared/decisions'
import type { IpcResult } from '../../shared/errors'
import { defaultSettings } from '../../shared/settings'
import { fakeApi } from './fake-api'

// The officer's work screens (queue, case, review, player, journal) in their loading, empty, error and
// busy states, each fed by a `window.rao` the real `createApi` built.
beforeAll(() => initI18n('en'))
afterEach(cleanup)

const ok = <T,>(value: T): Promise<IpcResult<T>> => Promise.resolve({ ok: true, value })
const failed = (code: 'internal' | 'unreachable' | 'not_a_video', detail?: string) =>
  Promise.resolve({ ok: false as const, error: { code, message: 'x', ...(detail ? { detail } : {}) } })
const never = () => new Promise<never>(() => undefined)
const ready = {
  environment: 'sandbox',
  state: 'ready',
  username: '9001800',
  rao: '1400',
  mode: 'credentials',
} as const
const lucia: Case = {
  videoidPk: 16673,
  requestPk: 923056,
  status: 'VIDEOREVIEW',
  addedAt: '2026-11-30T09:00:00.000Z',
  gone: false,
  pairVerified: true,
  person: { givenName: 'Lucía', surname1: 'García', idDocumentType: 'IDC', serialNumber: '48213957T' },
  note: '',
  sealedUnreadable: false,
}
const openBook = (cases: Case[]): CaseBookState => ({
  state: 'open',
  rows: cases.map(rowOf),
  changes: 0,
  sync: { running: false, online: true },
})
/** A case book of these cases: the queue's rows, and each case whole when it is opened. */
const book = (cases: Case[]) => ({
  getCaseBook: () => ok(openBook(cases)),
  getCase: () => {
    const found = cases.find((item) => item.videoidPk === 16673)
    return found
      ? ok(found)
      : Promise.resolve({ ok: false as const, error: { code: 'not_found' as const, message: 'x' } })
  },
})
const noDecisions: CaseDecisions = { videoidPk: 16673, records: [] }

function renderApp(answers: Parameters<typeof fakeApi>[0], page: Page = { name: 'queue' }) {
  const api = fakeApi({
    getSettings: () => ok(defaultSettings),
    getCredentialStatus: () => ok(ready),
    getCaseDecisions: () => ok(noDecisions),
    openVideo: never,
    listSnapshots: () => ok([]),
    ...answers,
  })
  const stores = createStores(api)
  stores.navigation.getState().go(page)
  render(
    <StoresProvider stores={stores}>
      <App />
    </StoresProvider>,
  )
  return api
}
const main = () => within(screen.getByRole('main'))

describe('the queue', () => {
  it('says it is loading until the case book arrives, then shows the empty state with a way in', async () => {
    let release: (result: IpcResult<unknown>) => void = () => undefined
    renderApp({ getCaseBook: () => new Promise((resolve) => (release = resolve)) })
    expect(await main().findByText('Loading the case book…')).toBeVisible()
    await act(async () => release({ ok: true, value: openBook([]) }))
    expect(main().getByRole('heading', { name: 'No Video IDs yet' })).toBeVisible()
    expect(main().getByRole('button', { name: 'Add cases' })).toBeVisible()
  })

  it('offers the matches a filter hides, rather than saying there are none', async () => {
    renderApp(
      book([
        lucia,
        { ...lucia, videoidPk: 16677, requestPk: 923060, status: 'ENROLLREADY' },
        {
          ...lucia,
          videoidPk: 16678,
          requestPk: 923061,
          status: 'CANCELLED',
          person: { givenName: 'Diego', surname1: 'Martín' },
        },
      ]),
    )
    const search = await main().findByLabelText('Search')
    await userEvent.type(search, 'garcia')
    expect(main().getByText(/^1 of 3 cases/)).toBeVisible()
    expect(main().getByRole('button', { name: '1 more in All' })).toBeVisible()
    await userEvent.clear(search)
    await userEvent.type(search, 'martin')
    expect(main().getByText(/^0 of 3 cases/)).toBeVisible()
    expect(main().queryByText(/No case matches/)).toBeNull()
    await userEvent.click(main().getByRole('button', { name: '1 more in All' }))
    expect(main().getByRole('button', { name: /^All 3$/ })).toHaveAttribute('aria-pressed', 'true')
    expect(main().getByText(/^1 of 3 cases/)).toBeVisible()
  })

  it('lists rows before main has unsealed their signers, and takes the signers pushed after the answer only', async () => {
    const { person: _sealed, ...unsealed } = rowOf(lucia)
    const api = renderApp({
      getCaseBook: () =>
        ok({ state: 'open', rows: [unsealed], changes: 4, sync: { running: false, online: true } }),
    })
    expect(await main().findByText(/still being read: 1/)).toBeVisible()
    // Pushed before the answer was made: the answer has it already (here, without the signer).
    act(() => api.emit('casesChanged', { change: 4, rows: [rowOf({ ...lucia, status: 'CANCELLED' })] }))
    expect(main().getByRole('button', { name: /^Pending 1$/ })).toBeVisible()
    expect(main().getByText(/still being read: 1/)).toBeVisible()
    act(() => api.emit('casesChanged', { change: 5, rows: [rowOf(lucia)] }))
    expect(main().queryByText(/still being read/)).toBeNull()
  })

  it('explains a book that could not be read and tries again', async () => {
    let attempts = 0
    renderApp({
      getCaseBook: () => (++attempts === 1 ? failed('internal', 'EACCES') : ok(openBook([lucia]))),
    })
    expect(await main().findByText('Something went wrong in RAO Desk.')).toBeVisible()
    await userEvent.click(main().getByRole('button', { name: 'Try again' }))
    expect(await main().findByRole('button', { name: /^Pending 1$/ })).toBeVisible()
  })

  it('shows a damaged book with its two ways on, and a keychain problem with no fallback', async () => {
    renderApp({
      getCaseBook: () =>
        ok({
          state: 'damaged',
          file: '/data/case-book.jsonl',
          reason: 'line 2 cannot be read',
          lastGood: { savedAt: '2026-11-29T10:00:00.000Z', cases: 3 },
        }),
    })
    expect(await main().findByRole('heading', { name: 'The case book cannot be read' })).toBeVisible()
    expect(main().getByRole('button', { name: 'Restore the last good copy' })).toBeEnabled()
    expect(main().getByText(/the last good copy stay on disk/)).toBeVisible()
    cleanup()
    renderApp({
      getCaseBook: () =>
        ok({ state: 'keychain_problem', problem: { code: 'keychain_locked', message: 'locked' } }),
    })
    expect(await main().findByText(/The system keychain is locked/)).toBeVisible()
    expect(main().getByText(/never in a file/)).toBeVisible()
  })

  it('counts gone cases apart, and says when a sync runs and when it is offline', async () => {
    const api = renderApp({
      getCaseBook: () => ok(openBook([lucia, { ...lucia, videoidPk: 16674, requestPk: 923057, gone: true }])),
    })
    expect(await main().findByRole('button', { name: /^Gone 1$/ })).toBeVisible()
    expect(main().getByRole('button', { name: /^Pending 1$/ })).toBeVisible()
    act(() => api.emit('syncChanged', { running: true, online: true }))
    expect(main().getByText('Syncing with the Optimizer…')).toBeVisible()
    act(() =>
      api.emit('syncChanged', {
        running: false,
        online: false,
        nextAt: '2026-11-30T10:00:00.000Z',
        problem: { code: 'unreachable', message: 'x' },
      }),
    )
    expect(main().getByText('Offline.')).toBeVisible()
  })
})

describe('a case', () => {
  const onCase: Page = { name: 'case', videoidPk: 16673 }

  it('says how long the case has waited in its state, and since it was added, in the platform’s words', async () => {
    const hours = (count: number) => new Date(Date.now() - count * 3_600_000).toISOString()
    renderApp(book([{ ...lucia, addedAt: hours(49), statusSince: hours(3) }]), onCase)
    expect(await main().findByText('Reached this state 3 hours ago · added 2 days ago')).toBeVisible()
    await act(() => i18n.changeLanguage('es'))
    expect(main().getByText('En este estado desde hace 3 horas · añadido anteayer')).toBeVisible()
    await act(() => i18n.changeLanguage('en'))
  })

  it('says when the case is not in the book', async () => {
    renderApp(book([]), onCase)
    expect(await main().findByText('This case is not in the case book.')).toBeVisible()
  })

  it('keeps the decision buttons off while a lost answer waits, and says until when', async () => {
    renderApp(
      {
        ...book([lucia]),
        getCaseDecisions: () =>
          ok({
            ...noDecisions,
            unknown: {
              attempt: 3,
              action: 'approve',
              windowEndsAt: '2026-11-30T10:10:00.000Z',
              nextCheckAt: '2026-11-30T10:01:00.000Z',
            },
          }),
      },
      onCase,
    )
    expect(await main().findByText('The answer to “Approve” was lost')).toBeVisible()
    expect(main().getByRole('button', { name: 'Approve' })).toBeDisabled()
    expect(main().getByRole('button', { name: 'Refuse…' })).toBeDisabled()
    expect(main().getByRole('button', { name: 'Cancel the request…' })).toBeDisabled()
  })

  it('marks a pair nobody verified, and shows a decided case’s record', async () => {
    renderApp(
      {
        ...book([{ ...lucia, pairVerified: false, status: 'CANCELLED' }]),
        getCaseDecisions: () =>
          ok({
            videoidPk: 16673,
            records: [
              {
                attempt: 5,
                outcomeSeq: 6,
                action: 'refuse',
                officer: '9001800',
                at: '2026-11-30T09:30:00.000Z',
                settledByStatus: false,
                reason: 'The document has expired',
                language: 'en',
              },
            ],
          }),
      },
      onCase,
    )
    const record = await main().findByRole('region', { name: 'Decision record' })
    expect(record).toHaveTextContent('Refuse by 9001800')
    expect(record).toHaveTextContent('The document has expired')
    expect(record).toHaveTextContent('Journal entry 5')
    expect(main().getAllByText('Pair not verified').length).toBeGreaterThan(0)
    expect(main().getByText(/There is nothing to decide on this case/)).toBeVisible()
  })

  it('says the decision is on its way, then shows why it failed', async () => {
    let answer: (result: IpcResult<unknown>) => void = () => undefined
    renderApp(
      {
        ...book([lucia]),
        decide: () => new Promise((resolve) => (answer = resolve)),
      },
      onCase,
    )
    await userEvent.click(await main().findByRole('button', { name: 'Cancel the request…' }))
    await userEvent.click(
      within(screen.getByRole('dialog')).getByRole('button', { name: 'Cancel the request' }),
    )
    expect(await main().findByText('Sending the decision…')).toBeVisible()
    await act(async () =>
      answer({ ok: false, error: { code: 'wrong_state', message: 'x', detail: 'CANCELLED' } }),
    )
    expect(main().getByText(/already decided elsewhere/)).toBeVisible()
  })

  it('shows the video opening, its download, and a failure with the way to try again', async () => {
    let opened: (result: IpcResult<unknown>) => void = () => undefined
    const api = renderApp(
      {
        ...book([lucia]),
        openVideo: () => new Promise((resolve) => (opened = resolve)),
      },
      onCase,
    )
    expect(await main().findByText('Opening the video…')).toBeVisible()
    await act(async () =>
      opened({
        ok: true,
        value: {
          url: 'rao-media://media/case/16673/video',
          state: { status: 'downloading', bytes: 1_048_576, total: 4_194_304, bytesPerSecond: 524_288 },
        },
      }),
    )
    expect(main().getByRole('progressbar', { name: 'Download of the video' })).toHaveAttribute(
      'value',
      '1048576',
    )
    act(() =>
      api.emit('videoProgress', {
        videoidPk: 16673,
        state: { status: 'failed', error: { code: 'unreachable', message: 'x' } },
      }),
    )
    expect(main().getByText('The video could not be downloaded.')).toBeVisible()
    expect(main().getByRole('button', { name: 'Download the video' })).toBeEnabled()
  })
})

describe('the journal', () => {
  const onJournal: Page = { name: 'journal' }
  const journal = (state: Partial<JournalState>): JournalState => ({
    entries: [],
    integrity: { state: 'verified' },
    ...state,
  })

  it('is asked for only once the case book has answered: the queue’s first rows never wait for it', async () => {
    let release: (result: IpcResult<unknown>) => void = () => undefined
    const api = renderApp({ getCaseBook: () => new Promise((resolve) => (release = resolve)) })
    expect(await main().findByText('Loading the case book…')).toBeVisible()
    expect(api.calls).toContain('getCaseBook')
    expect(api.calls).not.toContain('getJournal')
    await act(async () => release({ ok: true, value: openBook([lucia]) }))
    expect(api.calls).toContain('getJournal')
  })

  it('says when it is empty, and that it was checked', async () => {
    renderApp({ getCaseBook: () => ok(openBook([])), getJournal: () => ok(journal({})) }, onJournal)
    expect(await main().findByText('No decision yet.')).toBeVisible()
    expect(main().getByText(/Checked at start/)).toBeVisible()
  })

  it('says in plain words what its check found, on every screen', async () => {
    renderApp(
      {
        getCaseBook: () => ok(openBook([])),
        getJournal: () =>
          ok(
            journal({
              integrity: { state: 'problems', problems: [{ kind: 'cut_off', lastSeq: 2, headSeq: 4 }] },
            }),
          ),
      },
      onJournal,
    )
    const alerts = await screen.findAllByRole('alert')
    expect(
      alerts.some((alert) => /ends at entry 2, but entry 4 was written/.test(alert.textContent ?? '')),
    ).toBe(true)
  })

  it('shows a journal it could not read, and one it could not check yet', async () => {
    renderApp({ getCaseBook: () => ok(openBook([])), getJournal: () => failed('internal') }, onJournal)
    expect(await main().findByText('Something went wrong in RAO Desk.')).toBeVisible()
    cleanup()
    renderApp(
      {
        getCaseBook: () => ok(openBook([])),
        getJournal: () =>
          ok(
            journal({
              integrity: { state: 'unchecked', problem: { code: 'keychain_locked', message: 'x' } },
            }),
          ),
      },
      onJournal,
    )
    expect(
      await main().findByText('The journal could not be checked yet: the keychain did not give its key.'),
    ).toBeVisible()
  })
})

describe('adding pairs', () => {
  it('shows how far an addition is, stops it, and says what was not read', async () => {
    let answer: (result: IpcResult<unknown>) => void = () => undefined
    const api = renderApp(
      {
        getVideoIdDefaults: never,
        addCases: () => new Promise((resolve) => (answer = resolve)),
        cancelAddCases: () => ok({ cancelled: true }),
      },
      { name: 'add' },
    )
    await userEvent.type(await main().findByLabelText(/^Many at once/), '16673,923056{enter}16674,923057')
    await userEvent.click(main().getByRole('button', { name: 'Add these lines' }))
    act(() => api.emit('addCasesProgress', { checked: 1, total: 2 }))
    expect(main().getByRole('progressbar', { name: 'Pairs checked with the Optimizer' })).toHaveAttribute(
      'value',
      '1',
    )
    expect(main().getByText('Checked 1 of 2 with the Optimizer…')).toBeVisible()
    await userEvent.click(main().getByRole('button', { name: 'Stop adding' }))
    expect(api.calls).toContain('cancelAddCases')
    await act(async () =>
      answer({
        ok: true,
        value: {
          kind: 'lines',
          results: [
            { line: 1, text: '16673,923056', outcome: 'added', videoidPk: 16673 },
            { line: 2, text: '16674,923057', outcome: 'cancelled', videoidPk: 16674 },
          ],
        },
      }),
    )
    expect(main().getByText(/^1 added, .* 1 lines were not read: the addition was stopped/)).toBeVisible()
    expect(main().queryByRole('button', { name: 'Stop adding' })).toBeNull()
  })
})
