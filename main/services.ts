import { readdir } from 'node:fs/promises'
import path from 'node:path'
import type { Dispatcher } from 'undici'
import type { CaseBookState } from '../shared/cases'
import { AppError } from '../shared/errors'
import { type Environment, environmentSchema, type Settings } from '../shared/settings'
import { createCaptureFiles } from './capture/capture-files'
import { createCaptureService } from './capture/capture-service'
import { createCaseService } from './cases/case-service'
import type { GonePolicy } from './cases/gone'
import { createKeyStore } from './cases/seal'
import { createSync } from './cases/sync'
import { createDecisionService } from './decisions/decision-service'
import {
  createHeadStore,
  journalAuditRecord,
  journalCsv,
  journalMayHoldSigners,
  openJournal,
} from './decisions/journal'
import type { Emit, Handlers } from './ipc'
import { lockGate } from './lock/gate'
import { holdWhileLocked } from './lock/held-events'
import {
  type Clock,
  createLockService,
  type Opener,
  type PowerMonitor,
  type TouchId,
} from './lock/lock-service'
import type { Logger } from './log'
import { createVideoService } from './media/video-service'
import { createOneShotClient, type OneShotClient } from './oneshot/client'
import { createDispatcher, type TransportOptions } from './oneshot/transport'
import { type Scope, scopeKey } from './scope'
import { createSettingsService, type KeyValueStore } from './settings/settings-service'
import { createTeamDesk, type TeamDeskOptions } from './team/desk'
import { createCredentialsService } from './vault/credentials-service'
import { type Keychain, keychainGuard } from './vault/keychain'
import { createVault } from './vault/vault'

export interface ServiceDependencies {
  /** electron-store in the app; `conf` on a temporary folder in tests. */
  store: KeyValueStore
  /** The case book's file, in the app's data folder. */
  caseBookFile: string
  /** The decision journal's file, in the app's data folder. */
  journalFile: string
  /** The private folder for the cases' videos and snapshots. */
  cacheDir: string
  /** The URL the page loads a media path from (main's media protocol in the app). */
  mediaUrl: (mediaPath: string) => string
  /** keytar: the OS keychain, in the app and in the tests alike. */
  keychain: Keychain
  /** Keychain service names start with this; tests use their own, so they never touch the app's. */
  keychainService: string
  log: Logger
  /** Pushes an event to the renderer, checked against the contract (`createCheckedEmit`). */
  emit: Emit
  /** How to reach the Optimizer (proxy, extra CA, timeouts); ignored when a dispatcher is given. */
  transport?: TransportOptions
  dispatcher?: Dispatcher
  /** The clock; tests move it to see what happens days later. */
  now?: () => Date
  /** The connection check's own limit, shorter than a call's: an officer waits on it. */
  connectionCheckMs?: number
  /** Tests shorten the settle window of a lost answer (the setting is in minutes) and its reads. */
  settle?: { windowMs: number; readEveryMs: number }
  /** Tests shorten the wait before a missing request counts as gone. */
  gonePolicy?: GonePolicy
  /** Tests say how much room the cache's disk has left; the file system's own figure otherwise. */
  cacheFreeBytes?: (folder: string) => Promise<number>
  /**
   * Electron's `powerMonitor` in the app (the screen locks, the machine suspends): required, so that the
   * shell cannot leave it out; a fake in the harness and the tests.
   */
  powerMonitor: PowerMonitor
  /** macOS Touch ID, where the app runs on a Mac that has it. */
  touchId?: TouchId
  /** The lock's clock and timers; tests pass a fake one. */
  clock?: Clock
  /** Tests shorten the idle lock's minute (the setting is in minutes). */
  idleMinuteMs?: number
  /** Tests shorten a team claim's lease and the team link's waits. */
  team?: Pick<TeamDeskOptions, 'leaseSeconds' | 'backoff' | 'pollMs' | 'connectTimeoutMs'>
  /** Tests lower the largest video a capture keeps (1 GiB), rather than write one that large. */
  maxVideoBytes?: number
}

/** Settings whose change weakens or strengthens a control: each change is a journal entry. */
const CONTROL_SETTINGS = ['fourEyes', 'twoStepMode', 'settleWindowMinutes', 'idleLockMinutes'] as const
const SETTLE_READ_EVERY_MS = 60_000
/** The desk lock's record: a keychain entry of its own, beside the others, so that no file opens the desk. */
const LOCK_ACCOUNT = 'desk-lock'
/**
 * The start's work that reads the Optimizer, the whole journal or the whole case book (the start's lock
 * journaled, the first sync round and the creations it puts back, settling lost answers, revoking tokens,
 * the purge of the media and captures) begins a moment after the window's first answer (the lock's
 * state, or the book), or this long after start without one: it would otherwise hold up the window's
 * first screen and rows.
 */
const FIRST_WORK_MS = 5000
const FIRST_WORK_AFTER_ANSWER_MS = 1000

/** The composition root: builds every service once and the handlers the IPC binding serves. */
export function createServices(deps: ServiceDependencies) {
  const settings = createSettingsService(deps.store, deps.log)
  const environment = () => settings.read().environment
  const scope = (): Scope => ({ optimizer: settings.read().optimizerUrl, environment: environment() })
  const dispatcher = deps.dispatcher ?? createDispatcher(deps.transport)
  const vault = createVault({
    keychain: deps.keychain,
    store: deps.store,
    log: deps.log,
    serviceName: (name: Environment) => `${deps.keychainService}.${name}`,
    addressInSettings: () => settings.read().optimizerUrl,
  })
  /** The client of the address in use, for what follows the settings (the connection check). */
  const oneshot = createOneShotClient({
    baseUrl: () => settings.read().optimizerUrl,
    dispatcher,
    log: deps.log,
  })
  /** A client bound to one scope's address, for an operation that took its scope at its start. */
  const clients = new Map<string, OneShotClient>()
  const oneshotFor = (bound: Scope) => {
    const key = scopeKey(bound)
    let client = clients.get(key)
    if (!client) {
      client = createOneShotClient({ baseUrl: () => bound.optimizer, dispatcher, log: deps.log })
      clients.set(key, client)
    }
    return client
  }
  const credentials = createCredentialsService({ vault, oneshotFor, scope, log: deps.log })
  // While the desk is locked, events carrying signers' data wait for it to open.
  const held = holdWhileLocked(deps.emit, () => lock.locked())
  const emit = held.emit
  const officer = async () => (await credentials.status()).username ?? ''
  const journalService = `${deps.keychainService}.journal`
  const journal = openJournal({
    file: deps.journalFile,
    keys: createKeyStore(deps.keychain, journalService, 'journal-key'),
    head: createHeadStore(deps.keychain, journalService),
    log: deps.log,
    onAppend: (entry) => emit('journalAppended', { entries: [entry] }),
    ...(deps.now ? { now: deps.now } : {}),
  })
  const guarded = keychainGuard(deps.log)
  const lockService = `${deps.keychainService}.lock`
  /** Whose PIN opens the desk: the environment in use's credentials where it has them, else another's. */
  async function opener(): Promise<Opener | undefined> {
    const inUse = environment()
    for (const each of [inUse, ...environmentSchema.options.filter((other) => other !== inUse)]) {
      const read = await vault.read(each)
      if (read.state === 'ready') return read.secrets
    }
    return undefined
  }
  /** Whether a folder holds any file, at any depth: a missing folder holds none. */
  /** A folder that cannot be read counts as holding files, as a book that cannot be read holds cases. */
  const holdsFiles = async (folder: string) => {
    try {
      return (await readdir(folder, { recursive: true, withFileTypes: true })).some((entry) => entry.isFile())
    } catch (error) {
      return (error as NodeJS.ErrnoException).code !== 'ENOENT'
    }
  }
  const capturesFolder = path.join(path.dirname(deps.caseBookFile), 'captures')
  const lock = createLockService({
    record: {
      read: () => guarded(() => deps.keychain.getPassword(lockService, LOCK_ACCOUNT)),
      write: (text) => guarded(() => deps.keychain.setPassword(lockService, LOCK_ACCOUNT, text)),
    },
    journal,
    opener,
    // Signers' data the desk keeps, told without opening the book: a book that cannot be read counts as holding some.
    holdsData: async () =>
      (await cases.mayHoldCases()) ||
      (await journalMayHoldSigners(deps.journalFile)) ||
      (await holdsFiles(deps.cacheDir)) ||
      (await holdsFiles(capturesFolder)),
    idleLimitMs: () => settings.read().idleLockMinutes * (deps.idleMinuteMs ?? 60_000),
    onChange: (state) => {
      if (!state.locked) held.release()
      deps.emit('lockChanged', state)
      void team.lockChanged(state.locked)
    },
    log: deps.log,
    powerMonitor: deps.powerMonitor,
    touchId: deps.touchId,
    clock: deps.clock,
  })
  const cases = createCaseService({
    file: deps.caseBookFile,
    keys: createKeyStore(deps.keychain, `${deps.keychainService}.case-book`),
    oneshotFor,
    scope,
    // Only billing credentials bound to the address in use; none go to another.
    billing: (bound) => credentials.billing(bound).catch(() => undefined),
    journal,
    officer,
    onRows: (change, rows) => emit('casesChanged', { change, rows }),
    onWritten: (changed) => team.shared(changed),
    // The team's two-step mode replaces this desk's own in team mode.
    twoStepMode: () => team.twoStepMode() ?? settings.read().twoStepMode,
    log: deps.log,
    ...(deps.gonePolicy ? { gonePolicy: deps.gonePolicy } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  })
  // Team mode: one queue for the RA's officers, in the team's PostgreSQL (see team/desk.ts).
  const team = createTeamDesk({
    store: deps.store,
    keychain: deps.keychain,
    keychainService: `${deps.keychainService}.team`,
    scope,
    extraCaPem: deps.transport?.extraCaPem,
    cases,
    journal,
    officer,
    readSoon: () => sync.soon(),
    onStatus: (status) => emit('teamChanged', status),
    onCases: (changed, full) => emit('teamCasesChanged', { cases: changed, full }),
    log: deps.log,
    ...deps.team,
  })
  /** How long a lost answer's status must show the state before a write for it to count as not done. */
  const settleWindowMs = () => deps.settle?.windowMs ?? settings.read().settleWindowMinutes * 60_000
  const decisions = createDecisionService({
    journal,
    cases,
    oneshotFor,
    credentials,
    scope,
    // The team's controls replace this desk's own in team mode.
    fourEyes: () => (team.decisions.active() ? team.decisions.fourEyes() : settings.read().fourEyes),
    team: team.decisions,
    settleWindowMs,
    settleReadEveryMs: () => deps.settle?.readEveryMs ?? SETTLE_READ_EVERY_MS,
    onChange: (state) => emit('decisionsChanged', state),
    log: deps.log,
    ...(deps.now ? { now: deps.now } : {}),
  })
  /** Work that starts on its own (at start, after a sync): closing waits for it, so none outlives the services. */
  const running = new Set<Promise<unknown>>()
  const inBackground = (what: string, task: () => Promise<unknown>) => {
    const promise: Promise<unknown> = task()
      .catch((error: unknown) =>
        deps.log.warn(`${what} failed`, { code: error instanceof AppError ? error.code : 'internal' }),
      )
      .finally(() => running.delete(promise))
    running.add(promise)
  }
  /** What waits for the Optimizer to answer again: lost decisions to settle, tokens to revoke. */
  const settlePending = () =>
    inBackground('settling with the Optimizer', () =>
      Promise.all([decisions.settleDue(), credentials.revokeWaitingTokens()]),
    )
  const sync = createSync({
    cases,
    oneshotFor,
    scope,
    intervalSeconds: () => settings.read().syncIntervalSeconds,
    onState: (state) => {
      emit('syncChanged', state)
      // The Optimizer answers again: a decision whose answer was lost can be settled now.
      if (!state.running && state.online && !state.problem) settlePending()
    },
    log: deps.log,
  })

  /** One store for the media key, so that its creation is single-flight whoever seals first. */
  const mediaKeys = createKeyStore(deps.keychain, `${deps.keychainService}.media`, 'media-key')
  const video = createVideoService({
    cacheDir: deps.cacheDir,
    oneshotFor,
    keys: mediaKeys,
    hasCase: (videoidPk, bound) => cases.has(videoidPk, bound),
    retention: () => cases.retention(),
    scope,
    mediaUrl: deps.mediaUrl,
    retentionDays: () => settings.read().videoRetentionDays,
    prefetch: () => settings.read().prefetchNextVideo,
    ...(deps.cacheFreeBytes ? { freeBytes: deps.cacheFreeBytes } : {}),
    onState: (videoidPk, state) => emit('videoProgress', { videoidPk, state }),
    log: deps.log,
    ...(deps.now ? { now: deps.now } : {}),
  })
  const capture = createCaptureService({
    // In the app's data folder beside the case book: what it holds cannot be downloaded again.
    files: createCaptureFiles({
      folder: capturesFolder,
      keys: mediaKeys,
    }),
    cases,
    journal,
    oneshotFor,
    scope,
    officer: async (bound) => (await credentials.status(bound)).username ?? '',
    settleWindowMs,
    retentionDays: () => settings.read().videoRetentionDays,
    ...(deps.maxVideoBytes ? { maxVideoBytes: deps.maxVideoBytes } : {}),
    documents: () => settings.read(),
    mediaUrl: deps.mediaUrl,
    onProgress: (progress) => deps.emit('captureProgress', progress),
    // A recording under way is the officer at work with the signer: the idle lock does not stop it.
    onRecording: () => lock.activity(),
    log: deps.log,
    ...(deps.now ? { now: deps.now } : {}),
  })
  let purgeTimer: ReturnType<typeof setInterval> | undefined
  /** The start's work waiting for the window's first answer; undefined before the start and once begun. */
  let firstWork: ReturnType<typeof setTimeout> | undefined
  let closing: Promise<void> | undefined
  let connectionCheck: AbortController | undefined
  /** Additions of pairs under way, each stoppable. */
  const additions = new Set<AbortController>()
  const purge = () => {
    inBackground('video cache purge', () => video.purge())
    inBackground('capture purge', async () => capture.purge(await cases.retention()))
  }

  /** Begins the start's work that waited for the window's first answer, once. */
  function beginWork(): void {
    if (firstWork === undefined) return
    clearTimeout(firstWork)
    firstWork = undefined
    inBackground('journaling the start’s lock', () => lock.journalStart())
    sync.start()
    settlePending()
    purge()
    purgeTimer = setInterval(purge, 6 * 3600 * 1000)
    purgeTimer.unref?.()
  }
  /** The window has an answer to show: the start's work may begin a moment after. */
  const answered = () => setTimeout(beginWork, FIRST_WORK_AFTER_ANSWER_MS).unref?.()

  /** The book's state for the renderer: a damaged book or a keychain problem is a state, not a failure. */
  async function caseBook(): Promise<CaseBookState> {
    try {
      const open = { state: 'open' as const, ...(await cases.rows()), sync: sync.state() }
      answered()
      return open
    } catch (error) {
      const damage = cases.damage()
      if (damage) return { state: 'damaged', ...damage }
      if (error instanceof AppError && error.code.startsWith('keychain_'))
        return { state: 'keychain_problem', problem: error.toShape() }
      throw error
    }
  }

  /** A change to a control (four eyes off, the settle window) is written in the journal, by whom. */
  async function journalControls(before: Settings, after: Settings): Promise<void> {
    const changed = CONTROL_SETTINGS.filter((setting) => before[setting] !== after[setting])
    if (!changed.length) return
    const by = await officer().catch(() => '')
    for (const setting of changed)
      await journal.append({
        type: 'setting',
        officer: by,
        setting,
        from: before[setting],
        to: after[setting],
      })
  }

  /**
   * The credentials or the environment change: whose PIN opens the desk may change too. The lock's record
   * is read first, so that a first set-up finds none and no credentials (open), not its own credentials.
   */
  async function changingOpener<T>(task: () => Promise<T>): Promise<T> {
    await lock.ready()
    try {
      return await task()
    } finally {
      await lock.refresh().catch((error: unknown) =>
        deps.log.warn('the lock could not read whose credentials open it', {
          code: error instanceof AppError ? error.code : 'internal',
        }),
      )
    }
  }

  const handlers: Handlers = {
    getSettings: () => settings.read(),
    saveSettings: async (patch) => {
      const before = settings.read()
      const saved = settings.save(patch)
      emit('settingsChanged', saved)
      // Another Optimizer or environment is another set of cases: read them at once, in a fresh round.
      if (saved.optimizerUrl !== before.optimizerUrl || saved.environment !== before.environment) {
        sync.scopeChanged()
        inBackground('team scope change', () => team.scopeChanged())
      } else sync.reschedule()
      if (saved.environment !== before.environment) await changingOpener(async () => undefined)
      await journalControls(before, saved).catch((error: unknown) =>
        deps.log.error('a control setting changed but could not be journaled', {
          code: error instanceof AppError ? error.code : 'internal',
        }),
      )
      return saved
    },
    checkConnection: async () => {
      connectionCheck?.abort()
      const check = new AbortController()
      connectionCheck = check
      const signal = AbortSignal.any([check.signal, AbortSignal.timeout(deps.connectionCheckMs ?? 10_000)])
      try {
        const [greeting, info] = await Promise.all([oneshot.hello(signal), oneshot.version(signal)])
        return { greeting, ...info }
      } finally {
        if (connectionCheck === check) connectionCheck = undefined
      }
    },
    cancelConnectionCheck: () => {
      const running = connectionCheck !== undefined
      connectionCheck?.abort()
      return { cancelled: running }
    },
    getCredentialStatus: () => credentials.status(),
    // Locked with no credentials left, a set-up is the way back in: only the same officer's, verified, opens the desk.
    setUpCredentials: async (input) => {
      await lock.ready()
      return lock.awaitsSetUp()
        ? lock.setUpAgain(input.username, () => credentials.setUp(input, { verifiedOnly: true }))
        : changingOpener(() => credentials.setUp(input))
    },
    updateCredentials: (patch) => changingOpener(() => credentials.update(patch)),
    forgetCredentials: () => changingOpener(() => credentials.forget()),
    verifyCredentials: () => credentials.verify(),
    createOptimizerToken: () => credentials.createToken(),
    getTokenInfo: () => credentials.tokenInfo(),
    revokeOptimizerToken: () => credentials.revokeToken(),
    getCaseBook: caseBook,
    recoverCaseBook: async ({ from }) => {
      const { keptAside } = await cases.recover(from)
      void sync.syncNow()
      return { book: await caseBook(), keptAside }
    },
    addCases: async ({ text }) => {
      const addition = new AbortController()
      additions.add(addition)
      try {
        return await cases.addPairs(text, {
          signal: addition.signal,
          onProgress: (checked, total) => emit('addCasesProgress', { checked, total }),
        })
      } finally {
        additions.delete(addition)
      }
    },
    cancelAddCases: () => {
      for (const addition of additions) addition.abort()
      return { cancelled: additions.size > 0 }
    },
    getVideoIdDefaults: () => cases.videoIdDefaults(),
    createVideoId: (input) => cases.create(input),
    getCase: ({ videoidPk }) => cases.get(videoidPk),
    refreshCase: async ({ videoidPk }) => {
      const read = scope()
      const item = await cases.refresh(videoidPk, read)
      await decisions.observe(item, read)
      return item
    },
    saveCaseNote: ({ videoidPk, note }) => cases.setNote(videoidPk, note),
    syncCases: async () => {
      await sync.syncNow()
      return sync.state()
    },
    openVideo: ({ videoidPk }) => video.open(videoidPk),
    cancelVideo: ({ videoidPk }) => video.cancel(videoidPk),
    prefetchVideo: async ({ videoidPk }) => ({ outcome: await video.prefetch(videoidPk) }),
    saveSnapshot: ({ videoidPk, videoTimeSeconds, png }) =>
      video.saveSnapshot(videoidPk, videoTimeSeconds, Buffer.from(png, 'base64')),
    listSnapshots: ({ videoidPk }) => video.snapshots(videoidPk),
    getVideoCache: () => video.cacheSize(),
    clearVideoCache: () => video.clear(),
    decide: (input) => decisions.decide(input),
    saveReasonDraft: ({ videoidPk, draft }) =>
      cases.setReasonDraft(videoidPk, draft.text || draft.code ? draft : undefined),
    getJournal: () => decisions.journal(),
    exportJournal: async () => ({ csv: journalCsv((await decisions.journal()).entries) }),
    exportJournalAudit: async () => {
      const { integrity } = await decisions.journal()
      return {
        json: JSON.stringify(journalAuditRecord(await journal.audit(), integrity, new Date()), null, 2),
      }
    },
    getCaseDecisions: ({ videoidPk }) => decisions.caseDecisions(videoidPk),
    openCapture: ({ videoidPk }) => capture.open(videoidPk),
    closeCapture: () => capture.close(),
    saveCapture: (input) => capture.save(input),
    saveCaptureImage: (input) => capture.saveImage(input),
    removeCaptureImage: ({ videoidPk, slot }) => capture.removeImage(videoidPk, slot),
    startCaptureVideo: (input) => capture.startVideo(input),
    appendCaptureVideo: (input) => capture.appendVideo(input),
    endCaptureVideo: (input) => capture.endVideo(input),
    discardCaptureVideo: ({ videoidPk }) => capture.discardVideo(videoidPk),
    uploadCapture: ({ videoidPk, resendConfirmed }) => capture.upload(videoidPk, resendConfirmed === true),
    cancelCaptureUpload: ({ videoidPk }) => capture.cancelUpload(videoidPk),
    abandonCapture: ({ videoidPk }) => capture.abandon(videoidPk),
    getLockState: async () => {
      const state = await lock.state()
      answered()
      return state
    },
    lockDesk: () => lock.lock('on_demand'),
    unlockDesk: (given) => lock.unlock(given),
    unlockDeskWithTouchId: () => lock.unlockWithTouchId(),
    reportActivity: () => {
      lock.activity()
      return null
    },
    getTeam: () => team.state(),
    saveTeamSetup: (input) => team.setUp(input),
    checkTeamConnection: (input) => team.check(input),
    changeTeamSettings: (change) => team.changeSettings(change),
    openTeamCase: ({ videoidPk }) => team.open(videoidPk),
    leaveTeamCase: async ({ videoidPk }) => {
      await team.leave(videoidPk)
      return null
    },
    takeNextCase: () => team.takeNext(),
  }

  return {
    handlers,
    /** For the IPC binding: what a locked desk refuses, before any input is read. */
    refuse: lockGate(lock),
    lock,
    oneshot,
    credentials,
    cases,
    decisions,
    video,
    capture,
    team,
    /** The page started anew (a reload): a capture screen it had open is closed with it. */
    pageStarted: () => void capture.close(),
    /**
     * Starts the lock, and, once the window has its first answer, the case sync (then on the interval),
     * the settling of lost answers and the purge of the media and captures (then every six hours).
     */
    start: () => {
      decisions.start()
      lock.start()
      team.start()
      firstWork = setTimeout(beginWork, FIRST_WORK_MS)
      firstWork.unref?.()
    },
    /** Stops everything and waits for it; closing twice (a second signal at quit) waits for the first. */
    close() {
      closing ??= (async () => {
        clearInterval(purgeTimer)
        // Quit before the start's work began (the window closed at once): what retention says is gone
        // still goes, as it would have at the start.
        // Still waiting means the start's purge never ran.
        const unpurged = firstWork !== undefined
        clearTimeout(firstWork)
        firstWork = undefined
        if (unpurged) {
          purge()
          await Promise.allSettled([...running])
        }
        await Promise.all([
          lock.stop(),
          sync.stop(),
          video.stopAll(),
          decisions.stop(),
          capture.stop(),
          cases.close(),
        ])
        await Promise.allSettled([...running])
        await team.close()
        await dispatcher.close()
      })()
      return closing
    },
  }
}
