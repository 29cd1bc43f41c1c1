import { createStore } from 'zustand/vanilla'
import type { RaoApi } from '../../../shared/api'
import type { AppErrorShape } from '../../../shared/errors'
import type {
  TeamCaseView,
  TeamConnectionInfo,
  TeamSettingsChange,
  TeamSetup,
  TeamStatus,
} from '../../../shared/team'

/** A step the officer asked for, and how it went. */
export type Step<T = null> =
  | { status: 'idle' }
  | { status: 'busy' }
  | { status: 'done'; value: T }
  | { status: 'failed'; error: AppErrorShape }

export interface TeamState {
  /** Team mode as main tells it; null until read. */
  status: TeamStatus | null
  loadError: AppErrorShape | null
  /** The team's cases this desk knows, with their claims, by Video ID pk. */
  cases: ReadonlyMap<number, TeamCaseView>
  setup: Step
  check: Step<TeamConnectionInfo>
  settingsChange: Step
  /** Take-next: the case it gave (null: none left), or why it could not. */
  taking: Step<number | null>
  load(): Promise<void>
  saveSetup(setup: TeamSetup): Promise<boolean>
  checkConnection(input: { url: string; user: string; password?: string }): Promise<void>
  changeSettings(change: TeamSettingsChange): Promise<void>
  /** The officer opened a case: main claims it and keeps the claim while it stays open. */
  open(videoidPk: number): Promise<void>
  leave(videoidPk: number): Promise<void>
  /** The oldest unclaimed pending case, claimed for this officer: its pk, or null when none is left. */
  takeNext(): Promise<number | null>
}

export function createTeamStore(api: RaoApi) {
  const store = createStore<TeamState>()((set, get) => {
    const take = (changed: readonly TeamCaseView[]) => {
      const cases = new Map(get().cases)
      for (const item of changed) cases.set(item.videoidPk, item)
      set({ cases })
    }
    return {
      status: null,
      loadError: null,
      cases: new Map(),
      setup: { status: 'idle' },
      check: { status: 'idle' },
      settingsChange: { status: 'idle' },
      taking: { status: 'idle' },

      async load() {
        const result = await api.getTeam()
        if (!result.ok) return set({ loadError: result.error })
        set({
          loadError: null,
          status: result.value.status,
          cases: new Map(result.value.cases.map((item) => [item.videoidPk, item])),
        })
      },
      async saveSetup(setup) {
        set({ setup: { status: 'busy' }, check: { status: 'idle' } })
        const result = await api.saveTeamSetup(setup)
        if (!result.ok) {
          set({ setup: { status: 'failed', error: result.error } })
          return false
        }
        set({ status: result.value, setup: { status: 'done', value: null } })
        return true
      },
      async checkConnection(input) {
        if (get().check.status === 'busy') return
        set({ check: { status: 'busy' } })
        const result = await api.checkTeamConnection(input)
        set({
          check: result.ok
            ? { status: 'done', value: result.value }
            : { status: 'failed', error: result.error },
        })
      },
      async changeSettings(change) {
        set({ settingsChange: { status: 'busy' } })
        const result = await api.changeTeamSettings(change)
        const { status } = get()
        if (result.ok && status) set({ status: { ...status, settings: result.value } })
        set({
          settingsChange: result.ok
            ? { status: 'done', value: null }
            : { status: 'failed', error: result.error },
        })
      },
      async open(videoidPk) {
        const result = await api.openTeamCase({ videoidPk })
        if (result.ok && result.value) take([result.value])
      },
      async leave(videoidPk) {
        await api.leaveTeamCase({ videoidPk })
      },
      async takeNext() {
        if (get().taking.status === 'busy') return null
        set({ taking: { status: 'busy' } })
        const result = await api.takeNextCase()
        if (!result.ok) {
          set({ taking: { status: 'failed', error: result.error } })
          return null
        }
        if (result.value) take([result.value])
        const videoidPk = result.value?.videoidPk ?? null
        set({ taking: { status: 'done', value: videoidPk } })
        return videoidPk
      },
    }
  })
  api.onTeamChanged((status) => store.setState({ status }))
  api.onTeamCasesChanged(({ cases, full }) => {
    const next = full ? new Map<number, TeamCaseView>() : new Map(store.getState().cases)
    for (const item of cases) next.set(item.videoidPk, item)
    store.setState({ cases: next })
  })
  return store
}

export type TeamStore = ReturnType<typeof createTeamStore>
