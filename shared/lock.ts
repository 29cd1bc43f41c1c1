import { z } from 'zod'

/** What the page knows of the desk's lock: never the PIN, never how many tries are left. */
export const lockStateSchema = z.object({
  locked: z.boolean(),
  /** The officer's RAO username, the one thing of theirs the lock screen shows; empty before set-up. */
  officer: z.string(),
  /** After wrong PINs: no unlock is tried before this time (ISO 8601). */
  retryAt: z.string().optional(),
  /** The operating system can confirm the officer instead of the PIN (macOS Touch ID). */
  touchId: z.boolean(),
})
export type LockState = z.infer<typeof lockStateSchema>

/** Any text is a try: only the keychain's PIN opens the desk, and every other counts as wrong. */
export const unlockInputSchema = z.strictObject({ pin: z.string().trim().min(1).max(64) })

/** The causes a lock entry in the journal names: what locked the desk, what opened it, what failed. */
export const lockCauses = [
  'idle',
  'screen_locked',
  'suspend',
  'on_demand',
  'pin',
  'touch_id',
  'wrong_pin',
  'credentials_gone',
] as const
export type LockEntryCause = (typeof lockCauses)[number]
export const isLockCause = (cause: string | undefined): cause is LockEntryCause =>
  (lockCauses as readonly (string | undefined)[]).includes(cause)
