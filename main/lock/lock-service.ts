import { createHash, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import { AppError } from '../../shared/errors'
import type { LockEntryCause, LockState } from '../../shared/lock'
import type { Journal } from '../decisions/journal'
import type { Logger } from '../log'
import type { KeyValueStore } from '../settings/settings-service'

/** Why the desk locked: no input for the idle limit, the system's screen lock, a suspend, the officer. */
export type LockCause = Extract<LockEntryCause, 'idle' | 'screen_locked' | 'suspend' | 'on_demand'>

/** The slice of Electron's `powerMonitor` the lock listens to; tests pass a fake. */
export interface PowerMonitor {
  on(event: 'lock-screen', listener: () => void): unknown
  on(event: 'suspend', listener: () => void): unknown
  /** `locked` where the system tells (Linux has no `lock-screen` event). */
  getSystemIdleState(idleThresholdSeconds: number): 'active' | 'idle' | 'locked' | 'unknown'
}

/** Electron's `systemPreferences` Touch ID, where the system has it. */
export interface TouchId {
  available(): boolean
  /** Resolves once the officer is confirmed; rejects on a failure or a cancel. */
  prompt(reason: string): Promise<void>
}

/** Time and timers; tests pass a fake clock and move it. */
export interface Clock {
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

export interface LockServiceOptions {
  /** Where the lock and the wrong-PIN count are kept, so that a restart neither opens nor forgives. */
  store: KeyValueStore
  journal: Pick<Journal, 'append'>
  /** The RAO username set up in the environment in use, without reading the keychain; undefined before set-up. */
  officer: () => string | undefined
  /** The PIN in the keychain; rejects `credentials_lost` or `credentials_missing` when there is none. */
  storedPin: () => Promise<string>
  idleLimitMs: () => number
  /** Called as the lock changes, before anything else happens (a journal entry, say). */
  onChange: (state: LockState) => void
  log: Logger
  powerMonitor?: PowerMonitor | undefined
  touchId?: TouchId | undefined
  clock?: Clock | undefined
}

const STORE_KEY = 'deskLock'
const keptSchema = z.object({
  locked: z.boolean(),
  failures: z.number().int().min(0),
  retryAt: z.number().optional(),
})
type Kept = z.infer<typeof keptSchema>

/** Wrong PINs allowed before each next try waits. */
export const FREE_TRIES = 3
const FIRST_WAIT_MS = 5_000
const LONGEST_WAIT_MS = 15 * 60_000
/** How long a try waits after `failures` wrong PINs: nothing for the first three, then 5 s doubling. */
export const waitAfter = (failures: number) =>
  failures < FREE_TRIES ? 0 : Math.min(FIRST_WAIT_MS * 2 ** (failures - FREE_TRIES), LONGEST_WAIT_MS)

/** The idle check looks again at least this often: a changed setting or a locked screen is seen in time. */
const LONGEST_CHECK_MS = 10_000
const SHORTEST_CHECK_MS = 100

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest()
/** Constant time over equal-length digests: how long it takes says nothing of how much matched. */
const samePin = (given: string, stored: string) => timingSafeEqual(digest(given), digest(stored))

const wrongPin = () => new AppError('wrong_pin', 'That is not the PIN of these RAO credentials.')
const unlockWait = () => new AppError('unlock_wait', 'Too many wrong PINs: wait before trying again.')

/**
 * The desk's lock, in main: idle for the set time, the system's screen lock or a suspend, or the
 * officer's own request lock it; only the PIN kept in the keychain (or Touch ID) opens it. Wrong PINs
 * wait longer each time after the first three, and each one is a journal entry, as is each lock and
 * unlock. What a locked desk still answers is the gate's business (`gate.ts`).
 */
export function createLockService(options: LockServiceOptions) {
  const { store, journal, log } = options
  const clock = options.clock ?? systemClock
  const parsed = keptSchema.safeParse(store.get(STORE_KEY))
  let kept: Kept = parsed.success ? parsed.data : { locked: false, failures: 0 }
  let lastActivity = clock.now()
  let timer: unknown
  let stopped = false

  const state = (): LockState => ({
    locked: kept.locked,
    officer: options.officer() ?? '',
    ...(kept.retryAt !== undefined && kept.retryAt > clock.now()
      ? { retryAt: new Date(kept.retryAt).toISOString() }
      : {}),
    touchId: options.touchId?.available() ?? false,
  })

  /** In force and told at once, before any await: a lock holds the moment it is decided, disk or not. */
  function keep(next: Kept): void {
    kept = next
    try {
      store.set(STORE_KEY, kept)
    } catch (error) {
      // A full disk costs the lock only its survival across a restart.
      log.error('the lock could not be kept on disk', {
        error: error instanceof Error ? error.name : 'unknown',
      })
    }
    options.onChange(state())
  }

  async function record(
    event: 'locked' | 'unlocked' | 'unlock_failed',
    cause: LockEntryCause,
  ): Promise<void> {
    await journal
      .append({ type: 'lock', event, cause, officer: options.officer() ?? '' })
      .catch((error: unknown) =>
        log.error('a lock event could not be journaled', {
          event,
          code: error instanceof AppError ? error.code : 'internal',
        }),
      )
  }

  async function lock(cause: LockCause): Promise<LockState> {
    if (kept.locked || stopped) return state()
    if (options.officer() === undefined) {
      // Before set-up there is no PIN to open it with, and nothing to decide in anyone's name.
      if (cause === 'on_demand')
        throw new AppError(
          'credentials_missing',
          'Set up the RAO credentials first: the desk unlocks with their PIN.',
        )
      return state()
    }
    keep({ locked: true, failures: 0 })
    log.info('desk locked', { cause })
    await record('locked', cause)
    return state()
  }

  async function open(
    cause: Extract<LockEntryCause, 'pin' | 'touch_id' | 'credentials_gone'>,
  ): Promise<LockState> {
    lastActivity = clock.now()
    keep({ locked: false, failures: 0 })
    log.info('desk unlocked', { cause })
    await record('unlocked', cause)
    return state()
  }

  /** One try at a time: tries sent together cannot all be compared before the wait begins. */
  let queue: Promise<unknown> = Promise.resolve()
  const oneAtATime = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task)
    queue = run.catch(() => undefined)
    return run
  }

  async function unlock(pin: string): Promise<LockState> {
    if (!kept.locked) return state()
    if (kept.retryAt !== undefined && clock.now() < kept.retryAt) throw unlockWait()
    let stored: string
    try {
      stored = await options.storedPin()
    } catch (error) {
      // The keychain holds no credentials any more: nothing opens the desk, and nothing can be
      // decided in the officer's name without them. (Whoever can delete the entry can read it.)
      if (error instanceof AppError && ['credentials_lost', 'credentials_missing'].includes(error.code))
        return open('credentials_gone')
      throw error
    }
    if (samePin(pin, stored)) return open('pin')
    const failures = kept.failures + 1
    const wait = waitAfter(failures)
    keep({ locked: true, failures, ...(wait ? { retryAt: clock.now() + wait } : {}) })
    log.warn('wrong PIN at the lock', { failures })
    await record('unlock_failed', 'wrong_pin')
    throw wrongPin()
  }

  async function unlockWithTouchId(): Promise<LockState> {
    if (!kept.locked) return state()
    if (!options.touchId?.available())
      throw new AppError('touch_id_failed', 'Touch ID is not available on this computer.')
    try {
      await options.touchId.prompt('unlock RAO Desk')
    } catch {
      await record('unlock_failed', 'touch_id')
      throw new AppError('touch_id_failed', 'Touch ID did not confirm the officer.')
    }
    return open('touch_id')
  }

  function check(): void {
    timer = undefined
    if (!kept.locked) {
      const limit = options.idleLimitMs()
      if (clock.now() - lastActivity >= limit) void lock('idle')
      else if (options.powerMonitor?.getSystemIdleState(Math.ceil(limit / 1000)) === 'locked')
        void lock('screen_locked')
    }
    arm()
  }

  /** Looks again when the idle limit would be reached, and at least every 10 s. */
  function arm(): void {
    if (stopped) return
    const remaining = options.idleLimitMs() - (clock.now() - lastActivity)
    const wait = kept.locked
      ? LONGEST_CHECK_MS
      : Math.min(Math.max(remaining, SHORTEST_CHECK_MS), LONGEST_CHECK_MS)
    timer = clock.setTimeout(check, wait)
  }

  return {
    locked: () => kept.locked,
    state,
    lock,
    unlock: (pin: string) => oneAtATime(() => unlock(pin)),
    unlockWithTouchId: () => oneAtATime(unlockWithTouchId),
    /** Input on the page: the officer is there. It postpones the idle lock; it opens nothing. */
    activity(): void {
      lastActivity = clock.now()
    },
    start(): void {
      lastActivity = clock.now()
      options.powerMonitor?.on('lock-screen', () => void lock('screen_locked'))
      options.powerMonitor?.on('suspend', () => void lock('suspend'))
      arm()
    },
    stop(): void {
      stopped = true
      if (timer !== undefined) clock.clearTimeout(timer)
    },
  }
}

export type LockService = ReturnType<typeof createLockService>
