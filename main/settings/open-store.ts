import { existsSync, renameSync } from 'node:fs'
import type { Logger } from '../log'

/**
 * Opens the settings store. A file that cannot be read (cut short, edited by hand) is moved aside,
 * not deleted, and the app starts from defaults instead of failing to start.
 */
export function openStore<S>(create: () => S, file: string, log: Logger): S {
  try {
    return create()
  } catch (error) {
    if (!existsSync(file)) throw error
    const aside = `${file}.unreadable-${new Date().toISOString().replaceAll(':', '-')}`
    renameSync(file, aside)
    log.warn('settings file unreadable: kept aside, starting from defaults', { file: aside })
    return create()
  }
}
