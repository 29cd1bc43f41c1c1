import type { SyncState } from '../../shared/cases'
import { AppError } from '../../shared/errors'
import type { Logger } from '../log'
import { type Scope, sameScope } from '../scope'
import type { CaseClient, CaseRead, CaseService } from './case-service'
import { mapLimited } from './limit'

export interface SyncOptions {
  cases: Pick<CaseService, 'toSync' | 'apply'>
  oneshotFor: (scope: Scope) => Pick<CaseClient, 'getRequest' | 'hello'>
  /** The Optimizer and environment in use; a round takes them once, at its start. */
  scope: () => Scope
  /** The setting, read at every round. */
  intervalSeconds: () => number
  onState: (state: SyncState) => void
  log: Logger
  concurrency?: number
  /** The first wait after a failed round; it doubles up to the interval. */
  retryDelayMs?: number
}

/** Reads of the Optimizer under way at once: enough to read 1,000 cases in seconds, few enough to be polite. */
const CONCURRENCY = 16
/** Answers are written and pushed at least this often during a long round. */
const FLUSH_MS = 300

/** Failures that say nothing about a case, only that the Optimizer was not reached. */
const isOffline = (error: unknown) =>
  error instanceof AppError && ['unreachable', 'timeout', 'tls'].includes(error.code)

/**
 * Keeps the case book's statuses current: a round re-reads every case not yet final, with bounded
 * concurrency, on start, on an interval and on demand. When the Optimizer cannot be reached the round
 * stops, the state says offline, and the next round comes sooner, backing off up to the interval. A round
 * reads and writes one scope; when the settings move to another, the round is dropped and a fresh one
 * starts.
 */
export function createSync(options: SyncOptions) {
  const { cases, log } = options
  const concurrency = options.concurrency ?? CONCURRENCY
  const retryDelayMs = options.retryDelayMs ?? 5000
  let state: SyncState = { running: false, online: true }
  let round: Promise<void> | undefined
  let again = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let failures = 0
  let stopped = true

  const publish = (patch: Partial<SyncState>) => {
    state = { ...state, ...patch }
    options.onState(state)
  }

  function schedule(): void {
    clearTimeout(timer)
    if (stopped) return
    const intervalMs = options.intervalSeconds() * 1000
    const delay = failures ? Math.min(intervalMs, retryDelayMs * 2 ** (failures - 1)) : intervalMs
    publish({ nextAt: new Date(Date.now() + delay).toISOString() })
    timer = setTimeout(() => void syncNow(), delay)
    timer.unref?.()
  }

  async function runRound(): Promise<void> {
    const scope = options.scope()
    const client = options.oneshotFor(scope)
    const moved = () => !sameScope(scope, options.scope())
    publish({ running: true })
    let offline: AppError | undefined
    let pending: CaseRead[] = []
    let lastFlush = Date.now()
    // A 404 is believed only from an address that answers as an Optimizer: a wrong one answers 404 to all.
    let answers: Promise<boolean> | undefined
    const flush = async () => {
      const batch = pending
      pending = []
      lastFlush = Date.now()
      if (!moved()) await cases.apply(batch, scope)
    }
    try {
      const targets = await cases.toSync(scope)
      await mapLimited(targets, concurrency, async (target) => {
        if (offline || moved()) return
        try {
          // Read first, then push: by the time the answer arrives, `pending` may be a new batch.
          const details = await client.getRequest(target.requestPk)
          pending.push({ videoidPk: target.videoidPk, details })
        } catch (error) {
          if (error instanceof AppError && error.code === 'not_found') {
            answers ??= client.hello().then(
              () => true,
              () => false,
            )
            if (await answers) pending.push({ videoidPk: target.videoidPk, notFound: true })
            else
              offline ??= new AppError('unexpected_answer', 'The Optimizer address does not answer as one.')
          } else if (isOffline(error)) offline ??= error as AppError
          else
            log.warn('case sync: one read failed', {
              code: error instanceof AppError ? error.code : 'internal',
            })
        }
        if (Date.now() - lastFlush > FLUSH_MS) await flush()
      })
      await flush()
    } catch (error) {
      offline ??= error instanceof AppError ? error : new AppError('internal', 'The case sync failed.')
    }
    if (moved()) {
      log.info('case sync: round dropped, the Optimizer or environment changed')
      again = true
      publish({ running: false })
      return
    }
    failures = offline ? failures + 1 : 0
    if (offline) log.warn('case sync: round stopped', { code: offline.code })
    const { problem: _previous, ...rest } = state
    state = rest
    publish({
      running: false,
      online: !offline || !isOffline(offline),
      ...(offline ? { problem: offline.toShape() } : { lastSyncedAt: new Date().toISOString() }),
    })
  }

  /** Runs a round now; while one runs, waits for it (and for the fresh one a change of scope asks for). */
  function syncNow(): Promise<void> {
    round ??= runRound().finally(() => {
      round = undefined
      if (again && !stopped) {
        again = false
        void syncNow()
      } else schedule()
    })
    return round
  }

  function soon(): void {
    if (round) again = true
    else void syncNow()
  }

  return {
    state: () => state,
    syncNow,
    /** Starts the rounds: the first now, the next on the interval. */
    start(): void {
      stopped = false
      void syncNow()
    },
    /** A changed interval applies from now. */
    reschedule: () => {
      if (!round) schedule()
    },
    /** Another Optimizer or environment: a round under way is dropped and a fresh one starts. */
    scopeChanged: () => soon(),
    /** Cases added from elsewhere (another desk of the team): read in a round now, or right after this one. */
    soon,
    /** Stops the timer, and waits for a round under way to end. */
    async stop(): Promise<void> {
      stopped = true
      clearTimeout(timer)
      await round
    },
  }
}

export type Sync = ReturnType<typeof createSync>
