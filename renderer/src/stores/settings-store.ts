import { createStore } from 'zustand/vanilla'
import type { RaoApi } from '../../../shared/api'
import type { OptimizerInfo } from '../../../shared/contract'
import type { AppErrorShape } from '../../../shared/errors'
import type { Settings } from '../../../shared/settings'

export type LoadState =
  | { status: 'loading' }
  | { status: 'ready' }
  | { status: 'failed'; error: AppErrorShape }

export type ConnectionState =
  | { status: 'idle' }
  | { status: 'checking' }
  | { status: 'cancelled' }
  | { status: 'ok'; info: OptimizerInfo }
  | { status: 'failed'; error: AppErrorShape }

export type SaveState =
  | { status: 'idle' }
  | { status: 'saving' }
  | { status: 'saved' }
  | { status: 'failed'; error: AppErrorShape }

export interface SettingsState {
  settings: Settings | null
  load: LoadState
  save: SaveState
  connection: ConnectionState
  loadSettings(): Promise<void>
  saveSettings(patch: Partial<Settings>): Promise<boolean>
  checkConnection(): Promise<void>
  cancelConnectionCheck(): Promise<void>
}

export function createSettingsStore(api: RaoApi) {
  /**
   * New settings, and a connection check forgotten when the address changed: a check of the old address
   * says nothing about the new one. The change may arrive as an event before the save's answer does.
   */
  const adopt = (settings: Settings): Partial<SettingsState> =>
    settings.optimizerUrl === store.getState().settings?.optimizerUrl
      ? { settings }
      : { settings, connection: { status: 'idle' } }
  const store = createStore<SettingsState>()((set, get) => ({
    settings: null,
    load: { status: 'loading' },
    save: { status: 'idle' },
    connection: { status: 'idle' },

    async loadSettings() {
      set({ load: { status: 'loading' } })
      const result = await api.getSettings()
      if (result.ok) set({ settings: result.value, load: { status: 'ready' } })
      else set({ load: { status: 'failed', error: result.error } })
    },

    async saveSettings(patch) {
      set({ save: { status: 'saving' } })
      const result = await api.saveSettings(patch)
      if (!result.ok) {
        set({ save: { status: 'failed', error: result.error } })
        return false
      }
      set({ ...adopt(result.value), save: { status: 'saved' } })
      return true
    },

    async checkConnection() {
      if (get().connection.status === 'checking') return
      set({ connection: { status: 'checking' } })
      const result = await api.checkConnection()
      set({
        connection: result.ok
          ? { status: 'ok', info: result.value }
          : result.error.code === 'cancelled'
            ? { status: 'cancelled' }
            : { status: 'failed', error: result.error },
      })
    },

    async cancelConnectionCheck() {
      await api.cancelConnectionCheck()
    },
  }))
  api.onSettingsChanged((settings) => store.setState(adopt(settings)))
  return store
}

export type SettingsStore = ReturnType<typeof createSettingsStore>
