import type { Dispatcher } from 'undici'
import type { CaseBookState } from '../shared/cases'
import { AppError } from '../shared/errors'
import type { Environment } from '../shared/settings'
import { createCaseService } from './cases/case-service'
import { createKeyStore } from './cases/seal'
import { createSync } from './cases/sync'
import { createDecisionService } from './decisions/decision-service'
import { journalCsv, openJournal } from './decisions/journal'
import type { Emit, Handlers } from './ipc'
import type { Logger } from './log'
import { createVideoService } from './media/video-service'
import { createOneShotClient } from './oneshot/client'
import { createDispatcher, type TransportOptions } from './oneshot/transport'
import { createSettingsService, type KeyValueStore } from './settings/settings-service'
import { createCredentialsService } from './vault/credentials-service'
import type { Keychain } from './vault/keychain'
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
}

/** The composition root: builds every service once and the handlers the IPC binding serves. */
export function createServices(deps: ServiceDependencies) {
  const settings = createSettingsService(deps.store, deps.log)
  const environment = () => settings.read().environment
  const dispatcher = deps.dispatcher ?? createDispatcher(deps.transport)
  const vault = createVault({
    keychain: deps.keychain,
    store: deps.store,
    log: deps.log,
    serviceName: (name: Environment) => `${deps.keychainService}.${name}`,
  })
  const oneshot = createOneShotClient({
    baseUrl: () => settings.read().optimizerUrl,
    dispatcher,
    log: deps.log,
    authority: () => credentials.authority(),
  })
  const credentials = createCredentialsService({ vault, oneshot, environment, log: deps.log })
  const cases = createCaseService({
    file: deps.caseBookFile,
    keys: createKeyStore(deps.keychain, `${deps.keychainService}.case-book`),
    oneshot,
    scope: () => ({ optimizer: settings.read().optimizerUrl, environment: environment() }),
    billing: async () => {
      const secrets = await vault.requireSecrets(environment()).catch(() => undefined)
      return secrets?.billingUsername && secrets.billingPassword
        ? { username: secrets.billingUsername, password: secrets.billingPassword }
        : undefined
    },
    onChange: (changed) => deps.emit('casesChanged', { cases: changed }),
    log: deps.log,
    ...(deps.now ? { now: deps.now } : {}),
  })
  const decisions = createDecisionService({
    journal: openJournal(deps.journalFile, deps.now),
    cases,
    oneshot,
    credentials,
    fourEyes: () => settings.read().fourEyes,
    log: deps.log,
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
      Promise.all([decisions.settlePending(), credentials.revokeWaitingTokens()]),
    )
  const sync = createSync({
    cases,
    oneshot,
    intervalSeconds: () => settings.read().syncIntervalSeconds,
    onState: (state) => {
      deps.emit('syncChanged', state)
      // The Optimizer answers again: a decision whose answer was lost can be settled now.
      if (!state.running && state.online && !state.problem) settlePending()
    },
    log: deps.log,
  })

  const video = createVideoService({
    cacheDir: deps.cacheDir,
    oneshot,
    keys: createKeyStore(deps.keychain, `${deps.keychainService}.media`, 'media-key'),
    hasCase: (videoidPk) => cases.has(videoidPk),
    retention: () => cases.retention(),
    scope: () => ({ optimizer: settings.read().optimizerUrl, environment: environment() }),
    mediaUrl: deps.mediaUrl,
    retentionDays: () => settings.read().videoRetentionDays,
    onState: (videoidPk, state) => deps.emit('videoProgress', { videoidPk, state }),
    log: deps.log,
    ...(deps.now ? { now: deps.now } : {}),
  })
  let purgeTimer: ReturnType<typeof setInterval> | undefined
  let closing: Promise<void> | undefined
  let connectionCheck: AbortController | undefined
  const purge = () => inBackground('video cache purge', () => video.purge())

  /** The book's state for the renderer: a damaged book or a keychain problem is a state, not a failure. */
  async function caseBook(): Promise<CaseBookState> {
    try {
      return { state: 'open', cases: await cases.list(), sync: sync.state() }
    } catch (error) {
      const damage = cases.damage()
      if (damage) return { state: 'damaged', ...damage }
      if (error instanceof AppError && error.code.startsWith('keychain_'))
        return { state: 'keychain_problem', problem: error.toShape() }
      throw error
    }
  }

  const handlers: Handlers = {
    getSettings: () => settings.read(),
    saveSettings: (patch) => {
      const before = settings.read()
      const saved = settings.save(patch)
      deps.emit('settingsChanged', saved)
      // Another Optimizer or environment is another set of cases: read them at once.
      if (saved.optimizerUrl !== before.optimizerUrl || saved.environment !== before.environment)
        void sync.syncNow()
      else sync.reschedule()
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
    setUpCredentials: (input) => credentials.setUp(input),
    updateCredentials: (patch) => credentials.update(patch),
    forgetCredentials: () => credentials.forget(),
    verifyCredentials: () => credentials.verify(),
    createOptimizerToken: () => credentials.createToken(),
    getTokenInfo: () => credentials.tokenInfo(),
    revokeOptimizerToken: () => credentials.revokeToken(),
    getCaseBook: caseBook,
    recoverCaseBook: async ({ from }) => {
      await cases.recover(from)
      void sync.syncNow()
      return caseBook()
    },
    addCases: ({ text }) => cases.addPairs(text),
    getVideoIdDefaults: () => cases.videoIdDefaults(),
    createVideoId: (input) => cases.create(input),
    refreshCase: ({ videoidPk }) => cases.refresh(videoidPk),
    cancelRequest: async ({ videoidPk }) => (await decisions.decide({ action: 'cancel', videoidPk })).case,
    saveCaseNote: ({ videoidPk, note }) => cases.setNote(videoidPk, note),
    syncCases: async () => {
      await sync.syncNow()
      return sync.state()
    },
    openVideo: ({ videoidPk }) => video.open(videoidPk),
    cancelVideo: ({ videoidPk }) => video.cancel(videoidPk),
    saveSnapshot: ({ videoidPk, videoTimeSeconds, png }) =>
      video.saveSnapshot(videoidPk, videoTimeSeconds, Buffer.from(png, 'base64')),
    listSnapshots: ({ videoidPk }) => video.snapshots(videoidPk),
    getVideoCache: () => video.cacheSize(),
    clearVideoCache: () => video.clear(),
    decide: (input) => decisions.decide(input),
    saveReasonDraft: ({ videoidPk, draft }) =>
      cases.setReasonDraft(videoidPk, draft.text || draft.code ? draft : undefined),
    getJournal: () => decisions.journal(),
    exportJournal: () => ({ csv: journalCsv(decisions.journal().entries) }),
  }

  return {
    handlers,
    oneshot,
    cases,
    video,
    /** Starts the case sync (a first round now, then on the interval) and the video cache's purge. */
    start: () => {
      sync.start()
      settlePending()
      purge()
      purgeTimer = setInterval(purge, 6 * 3600 * 1000)
      purgeTimer.unref?.()
    },
    /** Stops everything and waits for it; closing twice (a second signal at quit) waits for the first. */
    close() {
      closing ??= (async () => {
        clearInterval(purgeTimer)
        await Promise.all([sync.stop(), video.stopAll()])
        await Promise.allSettled([...running])
        await dispatcher.close()
      })()
      return closing
    },
  }
}
