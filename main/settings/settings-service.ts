import { defaultSettings, type Settings, settingsSchema } from '../../shared/settings'
import type { Logger } from '../log'

/** The slice of electron-store (or `conf`, which it wraps) the service needs. */
export interface KeyValueStore {
  get(key: string): unknown
  set(key: string, value: unknown): void
  delete(key: string): void
}

const SETTINGS_KEY = 'settings'

export interface SettingsService {
  read(): Settings
  save(patch: Partial<Settings>): Settings
}

/**
 * Non-secret preferences, held in memory once read (every call and case lookup asks for them) and written
 * through when saved. A stored value that no longer parses (edited by hand, written by an older version)
 * falls back to its default field by field, so one bad field never costs the others.
 */
export function createSettingsService(store: KeyValueStore, log: Logger): SettingsService {
  let held: Settings | undefined
  const load = (): Settings => {
    const stored = store.get(SETTINGS_KEY)
    const record = typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>) : {}
    const settings = { ...defaultSettings }
    for (const key of Object.keys(defaultSettings) as (keyof Settings)[]) {
      if (record[key] === undefined) continue
      const field = settingsSchema.shape[key].safeParse(record[key])
      if (field.success) Object.assign(settings, { [key]: field.data })
      else log.warn('stored setting ignored: not valid', { setting: key })
    }
    return settings
  }
  const read = () => {
    held ??= load()
    return held
  }
  return {
    read,
    save(patch) {
      const next = settingsSchema.parse({ ...read(), ...patch })
      store.set(SETTINGS_KEY, next)
      held = next
      return next
    },
  }
}
