import { createContext, type ReactNode, useContext } from 'react'
import { useStore } from 'zustand'
import type { RaoApi } from '../../../shared/api'
import { type CasesState, type CasesStore, createCasesStore } from './cases-store'
import { type CredentialsState, type CredentialsStore, createCredentialsStore } from './credentials-store'
import { createMediaStore, type MediaState, type MediaStore } from './media-store'
import { createNavigationStore, type NavigationState, type NavigationStore } from './navigation-store'
import { createSettingsStore, type SettingsState, type SettingsStore } from './settings-store'

export interface Stores {
  settings: SettingsStore
  credentials: CredentialsStore
  cases: CasesStore
  navigation: NavigationStore
  media: MediaStore
}

export const createStores = (api: RaoApi): Stores => ({
  settings: createSettingsStore(api),
  credentials: createCredentialsStore(api),
  cases: createCasesStore(api),
  navigation: createNavigationStore(),
  media: createMediaStore(api),
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
