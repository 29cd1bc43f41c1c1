import { z } from 'zod'
import { credentialFields } from './credentials'

/** What the page knows of the desk's lock: never the PIN, never how many tries are left. */
export const lockStateSchema = z.object({
  locked: z.boolean(),
  /**
   * The RAO username whose PIN opens the desk, the one thing of theirs the lock screen shows: the
   * environment in use's, else another's. Where no environment has credentials, the officer the desk is
   * kept for (only theirs, set up again, open it); empty on a new desk, which has nothing to lock.
   */
  officer: z.string(),
  /**
   * What opens it: the PIN; the RAO password and the PIN after ten wrong tries; or, where the keychain
   * lost every credential, setting them up again, verified by the Optimizer.
   */
  unlockWith: z.enum(['pin', 'password_and_pin', 'set_up']),
  /** After wrong PINs: no unlock is tried before this time (ISO 8601). */
  retryAt: z.string().optional(),
  /** The operating system can confirm the officer instead of the PIN (macOS Touch ID). */
  touchId: z.boolean(),
})
export type LockState = z.infer<typeof lockStateSchema>

/**
 * Any text is a try: only the keychain's PIN (and, after ten wrong tries, its RAO password too) opens
 * the desk, and every other counts as wrong.
 */
export const unlockInputSchema = z.strictObject({
  pin: z.string().trim().min(1).max(64),
  password: credentialFields.password.optional(),
})
export type UnlockInput = z.infer<typeof unlockInputSchema>

/** The causes a lock entry in the journal names: what locked the desk, what opened it, what failed. */
export const lockCauses = [
  /** Each start of the app, wherever there is anything to protect. */
  'start',
  'idle',
  'screen_locked',
  'suspend',
  'on_demand',
  'pin',
  'password_and_pin',
  'touch_id',
  'set_up_again',
  'wrong_pin',
  'wrong_password_or_pin',
  /** A PIN given once the keychain had lost the credentials: nothing to compare it with. */
  'no_credentials',
  /** Credentials of another RAO user set up at the lock. */
  'other_officer',
  /** Credentials set up at the lock that the Optimizer refused. */
  'set_up_refused',
  /** Entries written before the keychain's loss kept the desk locked: it opened then. */
  'credentials_gone',
] as const
export type LockEntryCause = (typeof lockCauses)[number]
export const isLockCause = (cause: string | undefined): cause is LockEntryCause =>
  (lockCauses as readonly (string | undefined)[]).includes(cause)
