import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { AppError } from '../../shared/errors'
import { type TeamSetup, teamSetupSchema } from '../../shared/team'
import type { Logger } from '../log'
import type { KeyValueStore } from '../settings/settings-service'
import { fromKeychainError, type Keychain } from '../vault/keychain'
import { parseDeskUrl } from './config'

/** Team mode as saved: on or off, the database's address and this officer's database user. No secret. */
export interface TeamConfig {
  enabled: boolean
  url: string
  user: string
}

const CONFIG_KEY = 'team'
const DESK_KEY = 'teamDesk'
const ACCOUNT = 'officer'
const OFF: TeamConfig = { enabled: false, url: '', user: '' }

const configSchema = z.object({ enabled: z.boolean(), url: z.string(), user: z.string() })
/** The keychain's entry: the password, bound to the address and user it was given for. */
const secretSchema = z.object({ url: z.string(), user: z.string(), password: z.string() })

export const passwordMissing = () =>
  new AppError(
    'team_auth',
    'No team database password is saved for this address and user: enter it in the settings.',
  )

/**
 * Where team mode is kept: the address and user in the settings store, the password in the OS keychain
 * (service `<prefix>.team`), bound to the address and user it was entered for and given to nothing else.
 * This installation's desk id is made once, at random: it names no computer and no one.
 */
export function createTeamSetup(options: {
  store: KeyValueStore
  keychain: Keychain
  /** The keychain service, `<prefix>.team`. */
  service: string
  log: Logger
}) {
  const { store, keychain, service, log } = options

  const guarded = async <T>(operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation()
    } catch (error) {
      const failure = fromKeychainError(error)
      log.warn('team keychain operation failed', { code: failure.code })
      throw failure
    }
  }

  function config(): TeamConfig {
    const parsed = configSchema.safeParse(store.get(CONFIG_KEY))
    return parsed.success ? parsed.data : OFF
  }

  function desk(): string {
    const kept = store.get(DESK_KEY)
    if (typeof kept === 'string' && /^desk-[0-9a-f]{12}$/.test(kept)) return kept
    const made = `desk-${randomBytes(6).toString('hex')}`
    store.set(DESK_KEY, made)
    return made
  }

  /** The password saved for this address and user, or null: one saved for another is not given. */
  async function password(target: { url: string; user: string }): Promise<string | null> {
    const stored = await guarded(() => keychain.getPassword(service, ACCOUNT))
    if (stored === null) return null
    let secret: z.infer<typeof secretSchema>
    try {
      secret = secretSchema.parse(JSON.parse(stored))
    } catch {
      log.warn('team keychain entry unreadable; treated as missing')
      return null
    }
    return secret.url === target.url && secret.user === target.user ? secret.password : null
  }

  return {
    config,
    desk,
    password,

    /**
     * Saves team mode. Turning it on needs a valid address, a user, and a password for them (given now,
     * or saved before for the same address and user); the password goes to the keychain before the
     * settings change, so a keychain that refuses changes nothing.
     */
    async save(input: TeamSetup): Promise<{ before: TeamConfig; after: TeamConfig }> {
      const setup = teamSetupSchema.parse(input)
      const before = config()
      const after: TeamConfig = { enabled: setup.enabled, url: setup.url, user: setup.user }
      if (after.url) parseDeskUrl(after.url)
      if (after.enabled) {
        if (!after.url || !after.user)
          throw new AppError('invalid_input', 'Team mode needs the database address and your database user.')
        if (setup.password === undefined && (await password(after)) === null) throw passwordMissing()
      }
      if (setup.password !== undefined) {
        const secret = JSON.stringify({ url: after.url, user: after.user, password: setup.password })
        await guarded(() => keychain.setPassword(service, ACCOUNT, secret))
      }
      store.set(CONFIG_KEY, after)
      return { before, after }
    },
  }
}

export type TeamSetupStore = ReturnType<typeof createTeamSetup>
