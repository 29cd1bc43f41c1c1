import { createContext, type ReactNode, useContext } from 'react'
import { useStore } from 'zustand'
import type { RaoApi } from '../../../shared/api'
import { type CaptureState, type CaptureStore, createCaptureStore } from './capture-store'
import { type CasesState, type CasesStore, createCasesStore } from './cases-store'
import { type CredentialsState, type CredentialsStore, createCredentialsStore } from './credentials-store'
import { createDecisionsStore, type DecisionsState, type DecisionsStore } from './decisions-store'
import { createLockStore, type LockStore, type LockStoreState } from './lock-store'
import { createMediaStore, type MediaState, type MediaStore } from './media-store'
import { createNavigationStore, type NavigationState, type NavigationStore } from './navigation-store'
import { createSettingsStore, type SettingsState, type SettingsStore } from './settings-store'
import { createTeamStore, type TeamState, type TeamStore } from './team-store'

export interface Stores {
  /** `window.rao` itself, for the few calls that change no state (an export, say). */
  api: RaoApi
  settings: SettingsStore
  credentials: CredentialsStore
  cases: CasesStore
  navigation: NavigationStore
  media: MediaStore
  decisions: DecisionsStore
  capture: CaptureStore
  lock: LockStore
  team: TeamStore
}

export const createStores = (api: RaoApi): Stores => ({
  api,
  settings: createSettingsStore(api),
  credentials: createCredentialsStore(api),
  cases: createCasesStore(api),
  navigation: createNavigationStore(),
  media: createMediaStore(api),
  decisions: createDecisionsStore(api),
  capture: createCaptureStore(api),
  lock: createLockStore(api),
  team: createTeamStore(api),
})

const StoresContext = createContext<Stores | null>(null)

export function StoresProvider({ stores, children }: { stores: Stores; children: ReactNode }) {
  return <StoresContext.Provider value={stores}>{children}</StoresContext.Provider>
}

function useStores(): Stores {
  const stores = useContext(StoresContext)
  if (!stores) throw new Error('StoresProvider is missing')
  return stores
}

export function useSettings<T>(selector: (state: SettingsState) => T): T {
  return useStore(useStores().settings, selector)
}

export function useCredentials<T>(selector: (state: CredentialsState) => T): T {
  return useStore(useStores().credentials, selector)
}

export function useCases<T>(selector: (state: CasesState) => T): T {
  return useStore(useStores().cases, selector)
}

export function useNavigation<T>(selector: (state: NavigationState) => T): T {
  return useStore(useStores().navigation, selector)
}

export function useMedia<T>(selector: (state: MediaState) => T): T {
  return useStore(useStores().media, selector)
}

export function useDecisions<T>(selector: (state: DecisionsState) => T): T {
  return useStore(useStores().decisions, selector)
}

export function useCapture<T>(selector: (state: CaptureState) => T): T {
  return useStore(useStores().capture, selector)
}

export function useLock<T>(selector: (state: LockStoreState) => T): T {
  return useStore(useStores().lock, selector)
}

export function useTeam<T>(selector: (state: TeamState) => T): T {
  return useStore(useStores().team, selector)
}

export const useStoresApi = (): RaoApi => useStores().api
