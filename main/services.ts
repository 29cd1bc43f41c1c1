import type { Dispatcher } from 'undici'
import type { EventName, EventPayload } from '../shared/contract'
import type { Environment } from '../shared/settings'
import type { Handlers } from './ipc'
import type { Logger } from './log'
import { createOneShotClient } from './oneshot/client'
import { createDispatcher, type TransportOptions } from './oneshot/transport'
import { createSettingsService, type KeyValueStore } from './settings/settings-service'
import { createCredentialsService } from './vault/credentials-service'
import type { Keychain } from './vault/keychain'
import { createVault } from './vault/vault'

export type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void

export interface ServiceDependencies {
  /** electron-store in the app; `conf` on a temporary folder in tests. */
  store: KeyValueStore
  /** keytar: the OS keychain, in the app and in the tests alike. */
  keychain: Keychain
  /** Keychain service names start with this; tests use their own, so they never touch the app's. */
  keychainService: string
  log: Logger
  /** Pushes an event to the renderer: `webContents.send` in the app, server-sent events in the harness. */
  emit: Emit
  /** How to reach the Optimizer (proxy, extra CA, timeouts); ignored when a dispatcher is given. */
  transport?: TransportOptions
  dispatcher?: Dispatcher
}

/** The composition root: builds every service once and the handlers the IPC binding serves. */
export function createServices(deps: ServiceDependencies) {
  const settings = createSettingsService(deps.store, deps.log)
  const environment = () => settings.read().environment
  const dispatcher = deps.dispatcher ?? createDispatcher(deps.transport)
  const vault = createVault({
    keychain: deps.keychain,
    store: deps.store,
    log: deps.log,
    serviceName: (name: Environment) => `${deps.keychainService}.${name}`,
  })
  const oneshot = createOneShotClient({
    baseUrl: () => settings.read().optimizerUrl,
    dispatcher,
    log: deps.log,
    authority: () => credentials.authority(),
  })
  const credentials = createCredentialsService({ vault, oneshot, environment, log: deps.log })

  const handlers: Handlers = {
    getSettings: () => settings.read(),
    saveSettings: (patch) => {
      const saved = settings.save(patch)
      deps.emit('settingsChanged', saved)
      return saved
    },
    checkConnection: async () => {
      const [greeting, info] = await Promise.all([oneshot.hello(), oneshot.version()])
      return { greeting, ...info }
    },
    getCredentialStatus: () => credentials.status(),
    setUpCredentials: (input) => credentials.setUp(input),
    updateCredentials: (patch) => credentials.update(patch),
    forgetCredentials: () => credentials.forget(),
    verifyCredentials: () => credentials.verify(),
    createOptimizerToken: () => credentials.createToken(),
    getTokenInfo: () => credentials.tokenInfo(),
    revokeOptimizerToken: () => credentials.revokeToken(),
  }

  return {
    handlers,
    oneshot,
    close: () => dispatcher.close(),
  }
}
