import { createHash, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import { AppError } from '../../shared/errors'
import type { LockEntryCause, LockState, UnlockInput } from '../../shared/lock'
import type { Journal } from '../decisions/journal'
import type { Logger } from '../log'

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
  /** The wall clock (ms since 1970): what is written down and shown. The officer can set it. */
  now(): number
  /** A clock that only moves forward within one run: what the idle time and the waits are measured on. */
  monotonic(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/** The credentials that open the desk: whose they are, and the secrets a try is compared with. */
export interface Opener {
  username: string
  pin: string
  password: string
}

/** Where the lock's record is kept: a keychain entry of its own, read and written through the keychain's guard. */
export interface LockRecordStore {
  read(): Promise<string | null>
  write(text: string): Promise<void>
}

export interface LockServiceOptions {
  /** The lock, the wrong tries and the next try's time, so that a restart neither opens nor forgives. */
  record: LockRecordStore
  journal: Pick<Journal, 'append'>
  /**
   * The credentials whose PIN opens the desk: the environment in use's where it has them, else another
   * environment's; undefined where none has. Rejects where the keychain cannot tell.
   */
  opener: () => Promise<Opener | undefined>
  /**
   * Whether the desk holds signers' data (cases in the book, cached media, captures): with no credentials
   * anywhere the lock still guards it. Rejects where it cannot tell, which counts as yes.
   */
  holdsData: () => Promise<boolean>
  idleLimitMs: () => number
  /** Called as the lock changes, before anything else happens (a journal entry, say). */
  onChange: (state: LockState) => void
  log: Logger
  powerMonitor: PowerMonitor
  touchId?: TouchId | undefined
  clock?: Clock | undefined
}

const recordSchema = z.object({
  locked: z.boolean(),
  failures: z.number().int().min(0),
  /**
   * The wait still asked for when written (ms), applied whole from the next start on the monotonic clock:
   * no wall clock set forward shortens it. Capped when read back; missing (an older record) means the
   * whole wait the failures call for.
   */
  waitMs: z.number().min(0).optional(),
  /** The RAO username the desk is kept for: once the credentials are gone, only theirs set up again open it. */
  officer: z.string().optional(),
})
type LockRecord = z.infer<typeof recordSchema>

/** Wrong PINs allowed before each next try waits. */
export const FREE_TRIES = 3
/** Wrong tries after which the PIN alone no longer opens the desk: the RAO password is asked too. */
export const PIN_ALONE_TRIES = 10
const FIRST_WAIT_MS = 5_000
const LONGEST_WAIT_MS = 15 * 60_000
/** How long a try waits after `failures` wrong tries: nothing for the first three, then 5 s doubling. */
export const waitAfter = (failures: number) =>
  failures < FREE_TRIES ? 0 : Math.min(FIRST_WAIT_MS * 2 ** (failures - FREE_TRIES), LONGEST_WAIT_MS)

/** The idle check looks again at least this often: a changed setting or a locked screen is seen in time. */
const LONGEST_CHECK_MS = 10_000
const SHORTEST_CHECK_MS = 100

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest()
/** Constant time over equal-length digests: how long it takes says nothing of how much matched. */
const sameSecret = (given: string, stored: string) => timingSafeEqual(digest(given), digest(stored))

function parseRecord(text: string | null): LockRecord | undefined {
  if (text === null) return undefined
  try {
    return recordSchema.parse(JSON.parse(text))
  } catch {
    return undefined
  }
}

const wrongPin = () => new AppError('wrong_pin', 'That is not the PIN of these RAO credentials.')
const wrongPasswordOrPin = () =>
  new AppError('wrong_password_or_pin', 'The RAO password or the PIN is wrong.')
const unlockWait = () => new AppError('unlock_wait', 'Too many wrong PINs: wait before trying again.')
const otherOfficer = () =>
  new AppError('other_officer', 'The desk was locked for another RAO user: set up their credentials.')
const credentialsGone = () =>
  new AppError(
    'credentials_lost',
    'The system keychain no longer holds the RAO credentials: set them up again to open the desk.',
  )

/**
 * The desk's lock, in main: each start, idle for the set time, the system's screen lock or a suspend, or
 * the officer's own request lock it, whenever an environment has credentials or the desk holds signers'
 * data. The PIN of the credentials that open it (or Touch ID) opens it; with none left, only the same
 * officer's credentials set up again and verified by the Optimizer do. Wrong tries wait longer each time
 * after the first three, and after ten the RAO password is asked too. Each lock, unlock and failed try is
 * a journal entry. Its record is in the keychain, and until it is read the desk counts as locked: it
 * fails closed. What a locked desk still answers is the gate's business (`gate.ts`).
 */
export function createLockService(options: LockServiceOptions) {
  const { journal, log } = options
  const clock = options.clock ?? systemClock
  /** Undefined until read from the keychain: locked meanwhile. */
  let kept: LockRecord | undefined
  /** Whose credentials open the desk now; empty where no environment has any. */
  let holder = ''
  /** Whom the desk is kept for: the last credentials known to open it, remembered once they are gone. */
  let keptFor = ''
  /** When the next try may be compared, on the monotonic clock. */
  let retryAfter = 0
  let lastActivity = clock.monotonic()
  let loading: Promise<void> | undefined
  let writing: Promise<void> = Promise.resolve()
  let timer: unknown
  let stopped = false
  /** A try to open is being checked; a lock asked meanwhile is kept here, and the try then opens nothing. */
  let opening = false
  let lockedWhileOpening: LockCause | undefined
  /**
   * A start's lock not journaled yet: the journal is read whole at its first entry, which must not hold
   * up the lock screen. It is journaled with the start's work (`journalStart`), or before the next entry.
   */
  let startEntry = false

  const waitLeft = () => Math.max(0, retryAfter - clock.monotonic())
  const asksPassword = () => (kept?.failures ?? 0) >= PIN_ALONE_TRIES
  const guardsData = () => options.holdsData().catch(() => true)

  const state = (): LockState => ({
    locked: kept?.locked ?? true,
    officer: holder || keptFor,
    unlockWith: holder === '' ? 'set_up' : asksPassword() ? 'password_and_pin' : 'pin',
    ...(waitLeft() > 0 ? { retryAt: new Date(clock.now() + waitLeft()).toISOString() } : {}),
    touchId: holder !== '' && (options.touchId?.available() ?? false),
  })

  const write = () => {
    writing = writing
      .then(() => options.record.write(JSON.stringify(kept)))
      .catch((error: unknown) =>
        // The lock holds in this run; only its survival across a restart is lost.
        log.error('the lock could not be kept in the keychain', {
          code: error instanceof AppError ? error.code : 'internal',
        }),
      )
  }

  /** In force and told at once, before any await; written to the keychain behind, the latest each time. */
  function keep(next: LockRecord): void {
    const { officer: _whom, ...rest } = next
    kept = keptFor ? { ...rest, officer: keptFor } : rest
    write()
    options.onChange(state())
  }

  /** Notes whose credentials open the desk now, and tells the page (and the record) if that changed. */
  function noteHolder(who: Opener | undefined): void {
    const username = who?.username ?? ''
    if (username === holder) return
    holder = username
    if (!kept) return
    if (holder && holder !== keptFor) {
      keptFor = holder
      keep(kept)
    } else options.onChange(state())
  }

  async function append(event: 'locked' | 'unlocked' | 'unlock_failed', cause: LockEntryCause) {
    await journal.append({ type: 'lock', event, cause, officer: holder || keptFor }).catch((error: unknown) =>
      log.error('a lock event could not be journaled', {
        event,
        code: error instanceof AppError ? error.code : 'internal',
      }),
    )
  }

  /** Journals the start's lock, once. */
  async function journalStart(): Promise<void> {
    if (!startEntry) return
    startEntry = false
    await append('locked', 'start')
  }

  /** Journals a lock event, after the start's lock where that is not journaled yet. */
  async function record(event: 'locked' | 'unlocked' | 'unlock_failed', cause: LockEntryCause) {
    await journalStart()
    await append(event, cause)
  }

  /**
   * Reads the record and who opens the desk; single flight, and tried again after a failure. A start is
   * a lock: where there is anything to protect the desk starts locked, whatever the record says.
   */
  function load(): Promise<void> {
    loading ??= (async () => {
      const [text, who] = await Promise.all([options.record.read(), options.opener()])
      const read = parseRecord(text)
      keptFor = who?.username ?? read?.officer ?? ''
      holder = who?.username ?? ''
      const guards = who !== undefined || (await guardsData())
      const { locked, failures, waitMs } = read ?? { locked: false, failures: 0 }
      const wait = Math.min(waitMs ?? waitAfter(failures), waitAfter(failures))
      retryAfter = clock.monotonic() + wait
      keep({ locked: locked || guards, failures, waitMs: wait })
      if (guards && !locked) {
        log.info('desk locked', { cause: 'start' })
        startEntry = true
      }
    })().catch((error: unknown) => {
      loading = undefined
      throw error
    })
    return loading
  }

  /** Reads again whose credentials open the desk, and tells the page if that changed. */
  async function refresh(): Promise<void> {
    if (!kept) return load()
    noteHolder(await options.opener())
  }

  async function lock(cause: LockCause): Promise<LockState> {
    if (!kept) await load()
    // Asked for with nobody known to open it: read again, in case credentials came meanwhile.
    if (cause === 'on_demand' && !kept?.locked && holder === '') await refresh()
    if (!kept || stopped) return state()
    if (kept.locked) {
      // Locked again while a try to open is checked: that try must not open it.
      if (opening) lockedWhileOpening ??= cause
      return state()
    }
    // No credentials anywhere and no signer's data: nothing to protect, and no way back in to offer.
    if (holder === '' && !(await guardsData())) {
      if (cause === 'on_demand')
        throw new AppError(
          'credentials_missing',
          'Set up the RAO credentials first: the desk unlocks with their PIN.',
        )
      return state()
    }
    // Locked by another event while the case book was looked at.
    if (kept.locked) return state()
    keep({ locked: true, failures: 0 })
    log.info('desk locked', { cause })
    await record('locked', cause)
    return state()
  }

  async function open(
    cause: Extract<LockEntryCause, 'pin' | 'password_and_pin' | 'touch_id' | 'set_up_again'>,
  ): Promise<LockState> {
    retryAfter = 0
    const lockedAgain = lockedWhileOpening
    if (lockedAgain) {
      // The try was right, so it is forgiven; the lock that came meanwhile holds.
      lockedWhileOpening = undefined
      keep({ locked: true, failures: 0 })
      log.info('desk locked', { cause: lockedAgain })
      await record('locked', lockedAgain)
      return state()
    }
    lastActivity = clock.monotonic()
    keep({ locked: false, failures: 0 })
    log.info('desk unlocked', { cause })
    await record('unlocked', cause)
    return state()
  }

  /** A failed try: journaled, counted, and the next one waits longer after the first three. */
  async function fail(
    cause: Extract<
      LockEntryCause,
      'wrong_pin' | 'wrong_password_or_pin' | 'no_credentials' | 'other_officer' | 'set_up_refused'
    >,
  ): Promise<void> {
    const failures = (kept?.failures ?? 0) + 1
    const wait = waitAfter(failures)
    retryAfter = clock.monotonic() + wait
    keep({ locked: true, failures, waitMs: wait })
    log.warn('failed unlock at the lock', { failures, cause })
    await record('unlock_failed', cause)
  }

  /** One try at a time: tries sent together cannot all be compared before the wait begins. */
  let queue: Promise<unknown> = Promise.resolve()
  const oneAtATime = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(async () => {
      opening = true
      lockedWhileOpening = undefined
      try {
        return await task()
      } finally {
        opening = false
        lockedWhileOpening = undefined
      }
    })
    queue = run.catch(() => undefined)
    return run
  }

  async function unlock(given: UnlockInput): Promise<LockState> {
    if (!kept) await load()
    if (!kept?.locked) return state()
    if (waitLeft() > 0) throw unlockWait()
    const who = await options.opener()
    noteHolder(who)
    // The keychain lost the credentials: the desk stays locked, and their set-up is the way back in.
    if (!who) {
      await fail('no_credentials')
      throw credentialsGone()
    }
    const withPassword = asksPassword()
    // Both compared, each in constant time, whatever the other says.
    const pinRight = sameSecret(given.pin, who.pin)
    const passwordRight = sameSecret(given.password ?? '', who.password)
    if (pinRight && (passwordRight || !withPassword)) return open(withPassword ? 'password_and_pin' : 'pin')
    await fail(withPassword ? 'wrong_password_or_pin' : 'wrong_pin')
    throw withPassword ? wrongPasswordOrPin() : wrongPin()
  }

  async function unlockWithTouchId(): Promise<LockState> {
    if (!kept) await load()
    if (!kept?.locked) return state()
    if (!options.touchId?.available())
      throw new AppError('touch_id_failed', 'Touch ID is not available on this computer.')
    try {
      await options.touchId.prompt('unlock RAO Desk')
    } catch {
      await record('unlock_failed', 'touch_id')
      throw new AppError('touch_id_failed', 'Touch ID did not confirm the officer.')
    }
    // Touch ID confirms a person, not the credentials: with none left, the set-up is the way in.
    const who = await options.opener()
    noteHolder(who)
    if (!who) throw credentialsGone()
    return open('touch_id')
  }

  /**
   * The way back in once the keychain lost every credential: only for the RAO user the desk is kept for,
   * and `setUp` resolves only where the Optimizer verified the credentials it saved; anything else (a
   * refusal, no answer) leaves the desk locked. Another user's or refused credentials count as failed tries.
   */
  async function setUpAgain<T>(username: string, setUp: () => Promise<T>): Promise<T> {
    if (!kept) await load()
    if (!kept?.locked || holder !== '')
      throw new AppError('desk_locked', 'The desk is locked: unlock it with your PIN.')
    if (waitLeft() > 0) throw unlockWait()
    if (keptFor && username !== keptFor) {
      await fail('other_officer')
      throw otherOfficer()
    }
    let saved: T
    try {
      saved = await setUp()
    } catch (error) {
      if (error instanceof AppError && error.code === 'invalid_credentials') await fail('set_up_refused')
      throw error
    }
    await refresh()
    await open('set_up_again')
    return saved
  }

  function check(): void {
    timer = undefined
    if (kept && !kept.locked) {
      const limit = options.idleLimitMs()
      if (clock.monotonic() - lastActivity >= limit) void lock('idle').catch(() => undefined)
      else if (options.powerMonitor.getSystemIdleState(Math.ceil(limit / 1000)) === 'locked')
        void lock('screen_locked').catch(() => undefined)
    }
    arm()
  }

  /** Looks again when the idle limit would be reached, and at least every 10 s. */
  function arm(): void {
    if (stopped) return
    const remaining = options.idleLimitMs() - (clock.monotonic() - lastActivity)
    const wait = kept?.locked
      ? LONGEST_CHECK_MS
      : Math.min(Math.max(remaining, SHORTEST_CHECK_MS), LONGEST_CHECK_MS)
    timer = clock.setTimeout(check, wait)
  }

  return {
    /** Whether the gate refuses: locked, or not known yet. */
    locked: () => kept?.locked ?? true,
    /** Locked with no credentials left to open it: setting them up again is the way in. */
    awaitsSetUp: () => kept?.locked === true && holder === '',
    /** Resolves once the record is read (at once after the first time). */
    ready: (): Promise<void> => (kept ? Promise.resolve() : load()),
    state: async () => {
      if (!kept) await load()
      return state()
    },
    lock,
    unlock: (given: UnlockInput) => oneAtATime(() => unlock(given)),
    unlockWithTouchId: () => oneAtATime(unlockWithTouchId),
    setUpAgain: <T>(username: string, setUp: () => Promise<T>) =>
      oneAtATime(() => setUpAgain(username, setUp)),
    refresh,
    /** Input on the page: the officer is there. It postpones the idle lock; it opens nothing. */
    activity(): void {
      lastActivity = clock.monotonic()
    },
    start(): void {
      lastActivity = clock.monotonic()
      const onEvent = (cause: LockCause) => () => void lock(cause).catch(() => undefined)
      options.powerMonitor.on('lock-screen', onEvent('screen_locked'))
      options.powerMonitor.on('suspend', onEvent('suspend'))
      void load().catch((error: unknown) =>
        log.warn('the lock’s record could not be read yet', {
          code: error instanceof AppError ? error.code : 'internal',
        }),
      )
      arm()
    },
    /** Journals the start's lock, where the start locked the desk: the start's work asks, once the page has its first screen. */
    journalStart,
    /**
     * Stops the idle check, keeps the wait still left for the next start, journals the start's lock if
     * that is still to do, and waits for the record's last write.
     */
    async stop(): Promise<void> {
      stopped = true
      if (timer !== undefined) clock.clearTimeout(timer)
      if (kept?.locked && kept.waitMs !== undefined && kept.waitMs > waitLeft()) {
        kept = { ...kept, waitMs: waitLeft() }
        write()
      }
      await journalStart()
      await writing
    },
  }
}

export type LockService = ReturnType<typeof createLockService>
