import { createStore } from 'zustand/vanilla'
import type { RaoApi } from '../../../shared/api'
import type { NewCredentials } from '../../../shared/credentials'
import type { AppErrorShape } from '../../../shared/errors'
import type { LockState, UnlockInput } from '../../../shared/lock'

/** Input is told to main at most this often: plenty for an idle limit counted in minutes. */
export const ACTIVITY_REPORT_MS = 2000

export interface LockStoreState {
  /** Null until main has answered: until then nothing of the officer's work is asked for. */
  lock: LockState | null
  loadError: AppErrorShape | null
  /** Why the last try to lock or unlock failed (a wrong PIN, a wait); cleared by the next. */
  problem: AppErrorShape | null
  unlocking: boolean
  load(): Promise<void>
  lockNow(): Promise<void>
  /** Answers whether the desk opened. The PIN (and password) go to main and are kept nowhere here. */
  unlock(given: UnlockInput): Promise<boolean>
  unlockWithTouchId(): Promise<boolean>
  /** The keychain lost the credentials: set up again, main opens the desk once the Optimizer verified them. */
  setUpAgain(credentials: NewCredentials): Promise<boolean>
  /** Input on the page: the officer is there. */
  activity(): void
}

/** The desk's lock as main decides it; the page only shows it and asks. */
export function createLockStore(api: RaoApi) {
  let reportedAt = 0
  const store = createStore<LockStoreState>()((set, get) => {
    const tryUnlock = async (call: () => ReturnType<RaoApi['unlockDesk']>) => {
      if (get().unlocking) return false
      set({ unlocking: true, problem: null })
      const result = await call()
      set(result.ok ? { unlocking: false, lock: result.value } : { unlocking: false, problem: result.error })
      return result.ok && !result.value.locked
    }
    return {
      lock: null,
      loadError: null,
      problem: null,
      unlocking: false,
      async load() {
        const result = await api.getLockState()
        set(result.ok ? { lock: result.value, loadError: null } : { loadError: result.error })
      },
      async lockNow() {
        const result = await api.lockDesk()
        set(result.ok ? { lock: result.value, problem: null } : { problem: result.error })
      },
      unlock: (given) => tryUnlock(() => api.unlockDesk(given)),
      unlockWithTouchId: () => tryUnlock(() => api.unlockDeskWithTouchId()),
      async setUpAgain(credentials) {
        if (get().unlocking) return false
        set({ unlocking: true, problem: null })
        const result = await api.setUpCredentials(credentials)
        // Opened, main says so with `lockChanged`; refused, the desk stays locked and says why.
        set(result.ok ? { unlocking: false } : { unlocking: false, problem: result.error })
        return result.ok
      },
      activity() {
        const now = Date.now()
        if (get().lock?.locked !== false || now - reportedAt < ACTIVITY_REPORT_MS) return
        reportedAt = now
        void api.reportActivity()
      },
    }
  })
  api.onLockChanged((lock) => store.setState(lock.locked ? { lock } : { lock, problem: null }))
  return store
}

export type LockStore = ReturnType<typeof createLockStore>
