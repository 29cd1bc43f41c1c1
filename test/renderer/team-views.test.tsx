// @vitest-environment jsdom
import { act, cleanup, render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { App } from '../../renderer/src/App'
import { initI18n } from '../../renderer/src/i18n'
import { createStores, StoresProvider } from '../../renderer/src/stores/context'
import type { Page } from '../../renderer/src/stores/navigation-store'
import { TeamClaimBadge } from '../../renderer/src/views/TeamNotices'
import { type Case, rowOf } from '../../shared/cases'
import type { IpcResult } from '../../shared/errors'
import { defaultSettings } from '../../shared/settings'
import type { TeamCaseView, TeamStatus } from '../../shared/team'
import { fakeApi } from './fake-api'

// Team mode's screens: claims in the queue and on the case, take-next, the database away, the settings.
beforeAll(() => initI18n('en'))
afterEach(cleanup)

const ok = <T,>(value: T): Promise<IpcResult<T>> => Promise.resolve({ ok: true, value })
const ready = {
  environment: 'sandbox',
  state: 'ready',
  username: '9001800',
  rao: '1400',
  mode: 'credentials',
} as const
const person = (givenName: string) => ({ givenName, surname1: 'García', idDocumentType: 'IDC' })
const pending = (videoidPk: number, givenName: string, minute: number): Case => ({
  videoidPk,
  requestPk: videoidPk + 900_000,
  status: 'VIDEOREVIEW',
  addedAt: `2026-11-30T09:0${minute}:00.000Z`,
  gone: false,
  pairVerified: true,
  person: person(givenName),
  note: '',
  sealedUnreadable: false,
})
const lucia = pending(16673, 'Lucía', 1)
const javier = pending(16674, 'Javier', 2)
const online: TeamStatus = {
  enabled: true,
  url: 'postgres://db.example.org/rao_team',
  user: 'ana',
  passwordSaved: true,
  desk: 'desk-0a1b2c3d4e5f',
  link: { online: true },
  settings: { twoStepMode: false, fourEyes: true, changedBy: 'chief', changedAt: '2026-11-30T08:00:00.000Z' },
  admin: false,
}
const claimed = (videoidPk: number, officer: string, desk = `desk-of-${officer}`): TeamCaseView => ({
  videoidPk,
  status: 'VIDEOREVIEW',
  claim: { officer, desk, since: '2026-11-30T09:30:00.000Z' },
  validatedBy: null,
})
/** Ana's claim at this desk. */
const ownClaim = (videoidPk: number) => claimed(videoidPk, 'ana', online.desk)
const FULL = [
  /^The face matches/,
  /^The person is live/,
  /^The document is genuine/,
  /^Hologram/,
  /^Personalisation technique/,
  /^Security print/,
  /^The document is in force/,
  /^The document is not a copy/,
  /^Names, document number and country match/,
]

function renderApp(answers: Parameters<typeof fakeApi>[0], page: Page = { name: 'queue' }) {
  const api = fakeApi({
    getSettings: () => ok(defaultSettings),
    getCredentialStatus: () => ok(ready),
    getCaseBook: () =>
      ok({
        state: 'open',
        rows: [lucia, javier].map(rowOf),
        changes: 0,
        sync: { running: false, online: true },
      }),
    // The case page opens Lucía's case whole.
    getCase: () => ok(lucia),
    getCaseDecisions: () => ok({ videoidPk: lucia.videoidPk, records: [] }),
    openVideo: () => new Promise(() => undefined),
    listSnapshots: () => ok([]),
    openTeamCase: () => ok(null),
    leaveTeamCase: () => ok(null),
    ...answers,
  })
  const stores = createStores(api)
  stores.navigation.getState().go(page)
  render(
    <StoresProvider stores={stores}>
      <App />
    </StoresProvider>,
  )
  return { api, stores }
}
const main = () => within(screen.getByRole('main'))

// The queue's rows are drawn by a virtual list that jsdom cannot lay out: its badge is drawn on its own.
describe('the queue’s claim badge', () => {
  async function badgeOf(cases: TeamCaseView[], status: TeamStatus = online) {
    const stores = createStores(fakeApi({ getTeam: () => ok({ status, cases }) }))
    await stores.team.getState().load()
    const { container } = render(
      <StoresProvider stores={stores}>
        {cases.map(({ videoidPk }) => (
          <p key={videoidPk} data-testid={String(videoidPk)}>
            <TeamClaimBadge videoidPk={videoidPk} />
          </p>
        ))}
      </StoresProvider>,
    )
    return (videoidPk: number) => within(container).getByTestId(String(videoidPk)).textContent
  }

  it('says yours only for this desk’s own claim, yours at another desk for the officer’s other desk, else who', async () => {
    const badge = await badgeOf([
      ownClaim(16673),
      claimed(16674, 'ana', 'desk-9f8e7d6c5b4a'),
      claimed(16675, 'ben'),
      // Another officer at this very desk (the desk was handed over): still theirs.
      claimed(16676, 'ben', online.desk),
      { ...claimed(16677, 'ben'), claim: null },
    ])
    expect(badge(16673)).toBe('Yours')
    expect(badge(16674)).toBe('Yours, at another desk')
    expect(badge(16675)).toBe('Being reviewed by ben')
    expect(badge(16676)).toBe('Being reviewed by ben')
    expect(badge(16677)).toBe('')
  })

  it('shows nothing with team mode off', async () => {
    const badge = await badgeOf([ownClaim(16673)], { ...online, enabled: false })
    expect(badge(16673)).toBe('')
  })
})

describe('team mode in the queue', () => {
  it('takes the next case from a button or T, and opens it', async () => {
    const { api, stores } = renderApp({
      getTeam: () => ok({ status: online, cases: [claimed(16673, 'ben')] }),
      takeNextCase: () => ok({ ...ownClaim(16674) }),
    })
    const take = await main().findByRole('button', { name: /Take next/ })
    expect(take).toHaveAttribute('aria-keyshortcuts', 'T')
    await userEvent.keyboard('t')
    expect(api.calls).toContain('takeNextCase')
    expect(stores.navigation.getState().page).toEqual({ name: 'case', videoidPk: 16674 })
  })

  it('says when no free case is left, and turns the button off while the database is away', async () => {
    const { api } = renderApp({
      getTeam: () => ok({ status: online, cases: [] }),
      takeNextCase: () => ok(null),
    })
    await userEvent.click(await main().findByRole('button', { name: /Take next/ }))
    expect(await main().findByText(/No pending case is free/)).toBeVisible()
    act(() =>
      api.emit('teamChanged', {
        ...online,
        link: { online: false, problem: { code: 'team_unreachable', message: 'x' }, retryInMs: 2000 },
      }),
    )
    expect(main().getByRole('button', { name: /Take next/ })).toBeDisabled()
  })

  it('has no take-next with team mode off', async () => {
    renderApp({})
    await main().findByRole('listbox')
    expect(main().queryByRole('button', { name: /Take next/ })).toBeNull()
  })
})

describe('team mode on the case', () => {
  const tickAll = async () => {
    for (const label of FULL) await userEvent.click(main().getByLabelText(label))
  }

  it('claims the case on opening it and lets it go on leaving; another officer’s claim turns the buttons off', async () => {
    const { api, stores } = renderApp(
      {
        getTeam: () => ok({ status: online, cases: [claimed(16673, 'ben')] }),
        openTeamCase: () => ok(claimed(16673, 'ben')),
      },
      { name: 'case', videoidPk: 16673 },
    )
    const notice = await main().findByText(/Being reviewed by ben since/)
    expect(notice).toBeVisible()
    expect(api.calls).toContain('openTeamCase')
    await tickAll()
    expect(main().getByRole('button', { name: 'Approve' })).toBeDisabled()
    // The note goes on.
    expect(main().getByLabelText(/note/i)).toBeEnabled()
    // Released elsewhere and claimed here: the buttons come back.
    act(() => api.emit('teamCasesChanged', { cases: [ownClaim(16673)], full: false }))
    expect(main().getByRole('button', { name: 'Approve' })).toBeEnabled()
    expect(main().queryByText(/Being reviewed by/)).toBeNull()
    act(() => stores.navigation.getState().go({ name: 'queue' }))
    expect(api.calls).toContain('leaveTeamCase')
    expect(api.inputs[api.calls.lastIndexOf('leaveTeamCase')]).toEqual({ videoidPk: 16673 })
  })

  it('tells the officer’s claim at another desk from this desk’s: decided there, not here', async () => {
    const { api } = renderApp(
      {
        getTeam: () => ok({ status: online, cases: [claimed(16673, 'ana', 'desk-9f8e7d6c5b4a')] }),
        openTeamCase: () => ok(claimed(16673, 'ana', 'desk-9f8e7d6c5b4a')),
      },
      { name: 'case', videoidPk: 16673 },
    )
    expect(await main().findByText(/^You are reviewing this case at another desk since/)).toBeVisible()
    await tickAll()
    expect(main().getByRole('button', { name: 'Approve' })).toBeDisabled()
    // Left there, and claimed here: the buttons come back.
    act(() => api.emit('teamCasesChanged', { cases: [ownClaim(16673)], full: false }))
    expect(main().getByRole('button', { name: 'Approve' })).toBeEnabled()
    expect(main().queryByText(/at another desk/)).toBeNull()
  })

  it('keeps the approval off for the officer who validated the case, even under their own claim', async () => {
    const validated = { ...lucia, status: 'CREATED' }
    const twoStep = { ...online, settings: { ...online.settings, twoStepMode: true } } as TeamStatus
    const { api } = renderApp(
      {
        getCaseBook: () =>
          ok({ state: 'open', rows: [rowOf(validated)], changes: 0, sync: { running: false, online: true } }),
        getCase: () => ok(validated),
        getTeam: () => ok({ status: twoStep, cases: [{ ...ownClaim(16673), status: 'CREATED' }] }),
        openTeamCase: () => ok({ ...ownClaim(16673), status: 'CREATED' }),
      },
      { name: 'case', videoidPk: 16673 },
    )
    await main().findByRole('heading', { level: 1, name: /Lucía/ })
    await tickAll()
    expect(main().getByRole('button', { name: 'Approve' })).toBeEnabled()
    // The team's word that Ana's validation took effect comes while she still holds the claim.
    act(() =>
      api.emit('teamCasesChanged', {
        cases: [{ ...ownClaim(16673), status: 'CREATED', validatedBy: 'ana' }],
        full: false,
      }),
    )
    expect(main().getByRole('button', { name: 'Approve' })).toBeDisabled()
    expect(
      main().getByText('You validated this case: another officer approves it (four eyes).'),
    ).toBeVisible()
  })

  it('turns deciding off while the team database is away, and says so across the top', async () => {
    const { api } = renderApp(
      {
        getTeam: () => ok({ status: online, cases: [ownClaim(16673)] }),
        openTeamCase: () => ok(ownClaim(16673)),
      },
      { name: 'case', videoidPk: 16673 },
    )
    await main().findByRole('heading', { level: 1, name: /Lucía/ })
    await tickAll()
    expect(main().getByRole('button', { name: 'Approve' })).toBeEnabled()
    act(() =>
      api.emit('teamChanged', {
        ...online,
        link: { online: false, problem: { code: 'team_unreachable', message: 'x' }, retryInMs: 2000 },
      }),
    )
    expect(main().getByRole('button', { name: 'Approve' })).toBeDisabled()
    expect(main().getByText(/deciding waits until it answers/)).toBeVisible()
    expect(screen.getByRole('alert', { name: '' })).toHaveTextContent(
      'The team database cannot be reached: deciding is off until it answers.',
    )
  })
})

describe('team mode in the settings', () => {
  it('never shows the password back, asks for one for a new address, and shows the team’s controls to an officer read-only', async () => {
    const { api } = renderApp(
      {
        getTeam: () => ok({ status: online, cases: [] }),
        saveTeamSetup: () => ok(online),
      },
      { name: 'settings' },
    )
    const password = await main().findByLabelText('Database password')
    expect(password).toHaveAttribute('type', 'password')
    expect(password).toHaveValue('')
    expect(main().getByText(/leave this empty to keep it/)).toBeVisible()
    expect(
      main().getByLabelText('Two-step mode: validate, then approve', { selector: '.team-controls input' }),
    ).toBeDisabled()
    expect(main().getByText('Only a team administrator changes them.', { exact: false })).toBeVisible()
    expect(main().getByText(/the team’s two-step mode and four eyes apply/)).toBeVisible()
    // Another address: the saved password is not for it.
    const address = main().getByLabelText('Team database address')
    await userEvent.clear(address)
    await userEvent.type(address, 'postgres://other.example.org/rao_team')
    await userEvent.click(main().getByRole('button', { name: 'Save team mode' }))
    expect(main().getByText('Required.')).toBeVisible()
    expect(api.calls).not.toContain('saveTeamSetup')
    await userEvent.type(password, 'Team"Pass\\word')
    await userEvent.click(main().getByRole('button', { name: 'Save team mode' }))
    expect(api.inputs[api.calls.indexOf('saveTeamSetup')]).toEqual({
      enabled: true,
      url: 'postgres://other.example.org/rao_team',
      user: 'ana',
      password: 'Team"Pass\\word',
    })
    expect(await main().findByText('Team mode saved.')).toBeVisible()
    expect(password).toHaveValue('')
  })
})
