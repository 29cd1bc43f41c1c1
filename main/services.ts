import type { Dispatcher } from 'undici'
import type { EventName, EventPayload } from '../shared/contract'
import type { Handlers } from './ipc'
import type { Logger } from './log'
import type { AuthoritySource } from './oneshot/authority'
import { createOneShotClient } from './oneshot/client'
import { createDispatcher } from './oneshot/transport'
import { createSettingsService, type KeyValueStore } from './settings/settings-service'

export type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void

export interface ServiceDependencies {
  /** electron-store in the app; `conf` on a temporary folder in tests. */
  store: KeyValueStore
  log: Logger
  /** Pushes an event to the renderer: `webContents.send` in the app, server-sent events in the harness. */
  emit: Emit
  dispatcher?: Dispatcher
  /** The RAO's authority for decisions: the credential vault. */
  authority: AuthoritySource
}

/** The composition root: builds every service once and the handlers the IPC binding serves. */
export function createServices(deps: ServiceDependencies) {
  const settings = createSettingsService(deps.store, deps.log)
  const dispatcher = deps.dispatcher ?? createDispatcher()
  const oneshot = createOneShotClient({
    baseUrl: () => settings.read().optimizerUrl,
    dispatcher,
    log: deps.log,
    authority: deps.authority,
  })

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
  }

  return {
    handlers,
    close: () => dispatcher.close(),
  }
}
