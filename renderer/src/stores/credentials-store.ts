import { createStore } from 'zustand/vanilla'
import type { RaoApi } from '../../../shared/api'
import type {
  CredentialStatus,
  CredentialsPatch,
  NewCredentials,
  SavedCredentials,
  TokenInfo,
} from '../../../shared/credentials'
import type { AppErrorShape, IpcResult } from '../../../shared/errors'

export type CredentialAction =
  | 'setUp'
  | 'reenter'
  | 'update'
  | 'forget'
  | 'verify'
  | 'createToken'
  | 'tokenInfo'
  | 'revokeToken'

/** What a successful action has to say beyond "done". */
type OutcomeNote =
  | 'verified'
  | 'verifiedWithToken'
  | 'tokenNotRevoked'
  | 'savedVerified'
  | 'savedNotChecked'
  | 'savedAnswerLost'
  | 'savedTokenElsewhere'

/** The outcome of the last action, for the one message the screen shows about it. */
export type Outcome =
  | { action: CredentialAction; ok: true; note?: OutcomeNote }
  | { action: CredentialAction; ok: false; error: AppErrorShape }

export interface CredentialsState {
  /** Null until main has answered once. Never holds a secret: the contract carries none. */
  status: CredentialStatus | null
  loadError: AppErrorShape | null
  busy: CredentialAction | null
  outcome: Outcome | null
  tokenInfo: TokenInfo | null
  loadStatus(): Promise<void>
  setUp(input: NewCredentials): Promise<boolean>
  /** The password and PIN entered again for the Optimizer address in use: a set-up there. */
  reenter(input: NewCredentials): Promise<boolean>
  update(patch: CredentialsPatch): Promise<boolean>
  forget(): Promise<void>
  verify(): Promise<void>
  createToken(): Promise<void>
  loadTokenInfo(): Promise<void>
  revokeToken(): Promise<void>
}

const NOTES: Record<SavedCredentials['check'], OutcomeNote> = {
  verified: 'savedVerified',
  not_checked: 'savedNotChecked',
  answer_lost: 'savedAnswerLost',
  token_elsewhere: 'savedTokenElsewhere',
}
const noteOf = (check: SavedCredentials['check']) => NOTES[check]

export function createCredentialsStore(api: RaoApi) {
  const store = createStore<CredentialsState>()((set, get) => {
    /** Runs one action; a returned status replaces the current one. */
    async function run<T>(
      action: CredentialAction,
      call: () => Promise<IpcResult<T>>,
      onSuccess: (value: T) => Partial<CredentialsState> & { note?: OutcomeNote },
    ): Promise<boolean> {
      if (get().busy) return false
      set({ busy: action, outcome: null })
      const result = await call()
      if (!result.ok) {
        set({ busy: null, outcome: { action, ok: false, error: result.error } })
        // A keychain or credentials problem changes what the app can do: read the status again.
        if (result.error.code.startsWith('keychain_') || result.error.code.startsWith('credentials_'))
          await get().loadStatus()
        return false
      }
      const { note, ...changes } = onSuccess(result.value)
      set({ ...changes, busy: null, outcome: { action, ok: true, ...(note ? { note } : {}) } })
      return true
    }

    return {
      status: null,
      loadError: null,
      busy: null,
      outcome: null,
      tokenInfo: null,

      async loadStatus() {
        const result = await api.getCredentialStatus()
        if (result.ok) set({ status: result.value, loadError: null })
        else set({ loadError: result.error })
      },
      setUp: (input) =>
        run(
          'setUp',
          () => api.setUpCredentials(input),
          ({ status, check }) => ({ status, tokenInfo: null, note: noteOf(check) }),
        ),
      reenter: (input) =>
        run(
          'reenter',
          () => api.setUpCredentials(input),
          ({ status, check }) => ({ status, tokenInfo: null, note: noteOf(check) }),
        ),
      update: (patch) =>
        run(
          'update',
          () => api.updateCredentials(patch),
          ({ status, check }) => ({ status, note: noteOf(check) }),
        ),
      async forget() {
        await run(
          'forget',
          () => api.forgetCredentials(),
          (result) => ({
            tokenInfo: null,
            ...(result.tokenRevoked === false ? { note: 'tokenNotRevoked' as const } : {}),
          }),
        )
        await get().loadStatus()
      },
      async verify() {
        await run(
          'verify',
          () => api.verifyCredentials(),
          (result) => ({
            note: result.method === 'token' ? 'verifiedWithToken' : 'verified',
          }),
        )
        await get().loadStatus()
      },
      async createToken() {
        await run(
          'createToken',
          () => api.createOptimizerToken(),
          (status) => ({ status }),
        )
      },
      async loadTokenInfo() {
        await run(
          'tokenInfo',
          () => api.getTokenInfo(),
          (tokenInfo) => ({ tokenInfo }),
        )
      },
      async revokeToken() {
        await run(
          'revokeToken',
          () => api.revokeOptimizerToken(),
          (status) => ({ status, tokenInfo: null }),
        )
      },
    }
  })
  // Another environment has other credentials.
  api.onSettingsChanged(() => void store.getState().loadStatus())
  return store
}

export type CredentialsStore = ReturnType<typeof createCredentialsStore>
