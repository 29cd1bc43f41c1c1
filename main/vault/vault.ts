import { z } from 'zod'
import { AppError } from '../../shared/errors'
import type { Environment } from '../../shared/settings'
import type { Logger } from '../log'
import type { KeyValueStore } from '../settings/settings-service'
import { type Keychain, keychainGuard } from './keychain'

/**
 * Everything the officer's authority needs. One keychain entry per environment holds it all, bound to
 * the Optimizer address it was checked with: nothing of it is sent to another.
 */
const storedSecretsSchema = z.object({
  username: z.string(),
  rao: z.string(),
  password: z.string(),
  pin: z.string(),
  billingUsername: z.string().optional(),
  billingPassword: z.string().optional(),
  /** Set in token mode: the Optimizer token that stands in for the password and PIN. */
  tokenUid: z.string().optional(),
  /** The Optimizer address the entry (and its token) is bound to; absent in entries saved before binding. */
  optimizer: z.string().optional(),
})
export type OfficerSecrets = z.infer<typeof storedSecretsSchema> & { optimizer: string }

/** A token this desk made and must still delete, at the Optimizer that holds it. */
export interface TokenToRevoke {
  uid: string
  optimizer: string
}
const tokensToRevokeSchema = z.array(
  z.union([z.object({ uid: z.string(), optimizer: z.string() }), z.string()]),
)

/** Whether two Optimizer addresses are the same: scheme, host, port and path, as a URL reads them. */
export function sameOptimizer(a: string, b: string): boolean {
  const key = (address: string) => {
    try {
      const url = new URL(address)
      return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`
    } catch {
      return address
    }
  }
  return key(a) === key(b)
}

/** What electron-store keeps: no secret, only enough to know the officer set up, and who. */
const officerRecordSchema = z.object({ username: z.string(), rao: z.string(), savedAt: z.string() })
type OfficerRecord = z.infer<typeof officerRecordSchema>

export type VaultRead =
  | { state: 'none' }
  | { state: 'ready'; secrets: OfficerSecrets }
  /** Set up before, but the keychain no longer has the entry: removed, reset, or a different keychain. */
  | { state: 'lost'; record: OfficerRecord }

/** The credentials were set up here once, and the keychain no longer has them. */
export const credentialsLost = () =>
  new AppError(
    'credentials_lost',
    'The saved RAO credentials are no longer in the system keychain: it was reset or changed, or the entry was removed. Set them up again.',
  )

const ACCOUNT = 'officer'
const PROBE_ACCOUNT = 'rao-desk-probe'
/** Optimizer tokens to delete once the Optimizer answers: their uids stand in for credentials. */
const REVOKE_LATER_ACCOUNT = 'revoke-later'

export interface VaultOptions {
  keychain: Keychain
  store: KeyValueStore
  log: Logger
  /** The keychain service name for an environment; sandbox and production are kept apart. */
  serviceName: (environment: Environment) => string
  /** The address in the settings: what an entry saved before binding is bound to, once, when first read. */
  addressInSettings: () => string
}

export function createVault(options: VaultOptions) {
  const { keychain, store, log, serviceName, addressInSettings } = options
  const recordKey = (environment: Environment) => `officer.${environment}`

  const guarded = keychainGuard(log)

  function readRecord(environment: Environment): OfficerRecord | undefined {
    const parsed = officerRecordSchema.safeParse(store.get(recordKey(environment)))
    return parsed.success ? parsed.data : undefined
  }

  /**
   * A locked Secret Service hides its items instead of failing a read, so a missing entry is only
   * called lost once a write to the same collection succeeds.
   */
  async function probeWritable(service: string): Promise<void> {
    await keychain.setPassword(service, PROBE_ACCOUNT, 'probe')
    await keychain.deletePassword(service, PROBE_ACCOUNT)
  }

  async function read(environment: Environment): Promise<VaultRead> {
    return guarded(async () => {
      const service = serviceName(environment)
      const stored = await keychain.getPassword(service, ACCOUNT)
      const record = readRecord(environment)
      if (stored === null) {
        if (!record) return { state: 'none' }
        await probeWritable(service)
        return { state: 'lost', record }
      }
      let secrets: z.infer<typeof storedSecretsSchema>
      try {
        secrets = storedSecretsSchema.parse(JSON.parse(stored))
      } catch {
        log.warn('keychain entry unreadable; treated as lost')
        return record ? { state: 'lost', record } : { state: 'none' }
      }
      if (secrets.optimizer !== undefined)
        return { state: 'ready', secrets: { ...secrets, optimizer: secrets.optimizer } }
      // Saved before entries were bound: bound now, with the uids waiting beside it, to the settings' address.
      const bound = { ...secrets, optimizer: addressInSettings() }
      await keychain.setPassword(service, ACCOUNT, JSON.stringify(bound))
      await bindTokens(environment, bound.optimizer)
      log.info('saved credentials bound to the address in the settings')
      return { state: 'ready', secrets: bound }
    })
  }

  async function write(environment: Environment, secrets: OfficerSecrets): Promise<void> {
    await guarded(() => keychain.setPassword(serviceName(environment), ACCOUNT, JSON.stringify(secrets)))
    store.set(recordKey(environment), {
      username: secrets.username,
      rao: secrets.rao,
      savedAt: new Date().toISOString(),
    } satisfies OfficerRecord)
  }

  async function requireSecrets(environment: Environment): Promise<OfficerSecrets> {
    const current = await read(environment)
    if (current.state === 'ready') return current.secrets
    if (current.state === 'lost') throw credentialsLost()
    throw new AppError('credentials_missing', 'No RAO credentials are set up.')
  }

  async function setTokensToRevoke(
    environment: Environment,
    tokens: readonly TokenToRevoke[],
  ): Promise<void> {
    const service = serviceName(environment)
    await guarded(() =>
      tokens.length
        ? keychain.setPassword(service, REVOKE_LATER_ACCOUNT, JSON.stringify(tokens))
        : keychain.deletePassword(service, REVOKE_LATER_ACCOUNT).then(() => undefined),
    )
  }

  async function storedTokens(environment: Environment): Promise<z.infer<typeof tokensToRevokeSchema>> {
    const stored = await guarded(() => keychain.getPassword(serviceName(environment), REVOKE_LATER_ACCOUNT))
    try {
      return tokensToRevokeSchema.parse(stored === null ? [] : JSON.parse(stored))
    } catch {
      log.warn('tokens to revoke unreadable; ignored')
      return []
    }
  }

  /** Binds the uids kept before binding to `optimizer`; answers them all. */
  async function bindTokens(environment: Environment, optimizer: string): Promise<TokenToRevoke[]> {
    const stored = await storedTokens(environment)
    const bound = stored.map((token) => (typeof token === 'string' ? { uid: token, optimizer } : token))
    if (stored.some((token) => typeof token === 'string')) await setTokensToRevoke(environment, bound)
    return bound
  }

  /**
   * Tokens this desk made and must still delete, each with the Optimizer that holds it (kept in the
   * keychain: a uid is a credential). Uids kept before binding go with the officer's entry, bound once
   * at its first read; with no entry, to the address in the settings.
   */
  async function tokensToRevoke(environment: Environment): Promise<TokenToRevoke[]> {
    const stored = await storedTokens(environment)
    const bound = stored.filter((token): token is TokenToRevoke => typeof token !== 'string')
    if (bound.length === stored.length) return bound
    const officer = await read(environment)
    return bindTokens(
      environment,
      officer.state === 'ready' ? officer.secrets.optimizer : addressInSettings(),
    )
  }

  return {
    read,
    write,
    requireSecrets,
    tokensToRevoke,
    setTokensToRevoke,
    /** The username set up in an environment, from the record: known without reading the keychain. */
    setUpBy: (environment: Environment): string | undefined => readRecord(environment)?.username,

    /** Removes the keychain entry and the record; nothing of the officer is left. */
    async forget(environment: Environment): Promise<void> {
      await guarded(() => keychain.deletePassword(serviceName(environment), ACCOUNT))
      store.delete(recordKey(environment))
    },
  }
}

export type Vault = ReturnType<typeof createVault>
