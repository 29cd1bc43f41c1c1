import { AppError } from '../../shared/errors'
import type { Logger } from '../log'

/** The slice of keytar the vault uses; keytar itself in the app and in the tests (a real keychain). */
export interface Keychain {
  getPassword(service: string, account: string): Promise<string | null>
  setPassword(service: string, account: string, password: string): Promise<void>
  deletePassword(service: string, account: string): Promise<boolean>
}

const LINUX_HELP =
  'Install a Secret Service, such as GNOME Keyring (packages gnome-keyring and libsecret-1-0) or KWallet, and sign in to a desktop session.'

/**
 * Turns what a keychain backend throws into a message with a way forward. Messages differ by backend
 * (libsecret on Linux, Keychain Services on macOS, Credential Manager on Windows), so they are matched
 * by their words. The original text is kept as detail: it names no secret.
 */
export function fromKeychainError(error: unknown): AppError {
  const text = error instanceof Error ? error.message : String(error)
  if (
    /could not connect|not provided by any \.service|autolaunch d-bus|secrets? service|no such (interface|object)|dbus/i.test(
      text,
    )
  ) {
    return new AppError(
      'keychain_unavailable',
      `The system keychain cannot be reached. ${process.platform === 'linux' ? LINUX_HELP : ''}`.trim(),
      text,
    )
  }
  if (/locked|unlock/i.test(text)) {
    return new AppError('keychain_locked', 'The system keychain is locked. Unlock it, then try again.', text)
  }
  if (/cancel|denied|not allowed|authori[sz]ation|user interaction|access/i.test(text)) {
    return new AppError(
      'keychain_denied',
      'Access to the system keychain was refused. Allow RAO Desk to use it, then try again.',
      text,
    )
  }
  return new AppError('keychain_error', 'The system keychain reported a problem.', text)
}

/**
 * Runs keychain operations so that every failure is an `AppError` with a way forward, logged by its code
 * (never its text, which may name an entry): the vault's entries and the desk lock's record alike.
 */
export const keychainGuard =
  (log: Logger) =>
  async <T>(operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation()
    } catch (error) {
      const failure = error instanceof AppError ? error : fromKeychainError(error)
      log.warn('keychain operation failed', { code: failure.code })
      throw failure
    }
  }
