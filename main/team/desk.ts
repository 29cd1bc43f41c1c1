import { type Case, isFinalStatus } from '../../shared/cases'
import type { DecisionEntry } from '../../shared/decisions'
import { AppError } from '../../shared/errors'
import {
  isOwnClaim,
  type SharedCase,
  statusRank,
  type TeamCase,
  type TeamCaseView,
  type TeamConnectionInfo,
  type TeamLinkState,
  type TeamSettings,
  type TeamSettingsChange,
  type TeamSetup,
  type TeamState,
  type TeamStatus,
} from '../../shared/team'
import type { Journal } from '../decisions/journal'
import type { Logger } from '../log'
import { type Scope, sameScope } from '../scope'
import type { KeyValueStore } from '../settings/settings-service'
import type { Keychain } from '../vault/keychain'
import { checkTeamConnection } from './check'
import { createJournalMirror, localOf } from './mirror'
import { createTeamSetup, passwordMissing, type TeamConfig } from './setup'
import { createTeamStore, type TeamChanges, type TeamStore } from './store'

export interface TeamDeskOptions {
  store: KeyValueStore
  keychain: Keychain
  /** The keychain service for the database password, `<prefix>.team`. */
  keychainService: string
  /** The Optimizer and environment in use: the team's cases are kept apart by both. */
  scope: () => Scope
  /** RAO_DESK_EXTRA_CA_FILE's PEM, trusted for the database's TLS as for the Optimizer's. */
  extraCaPem?: string | undefined
  /** The case book: what it holds, the team's open cases put into it, a case read again. */
  cases: {
    list(scope: Scope): Promise<Case[]>
    /** One case of the book; rejects `not_found` when the book lacks it. */
    get(videoidPk: number, scope: Scope): Promise<Case>
    adoptShared(scope: Scope, items: readonly TeamCase[]): Promise<Case[]>
    refresh(videoidPk: number, scope: Scope): Promise<Case>
  }
  journal: Pick<Journal, 'append' | 'entries' | 'load'>
  /** The RAO username, for the desk's own journal entries about team mode. */
  officer: () => Promise<string>
  /** A sync round soon: cases put in from the team are then read from the Optimizer. */
  readSoon: () => void
  onStatus: (status: TeamStatus) => void
  onCases: (cases: TeamCaseView[], full: boolean) => void
  log: Logger
  /** How long a claim lasts unless renewed; renewed every third of it. */
  leaseSeconds?: number
  backoff?: { firstMs: number; maxMs: number }
  pollMs?: number
  connectTimeoutMs?: number
}

/** Reads of the Optimizer at once for cases the team says moved on. */
const REREADS = 4

/**
 * Team mode on this desk: the link to the team database and what follows from it. Cases go both ways
 * (this book's adds and statuses are shared; the team's open cases are put into the book, and each desk
 * reads the signers' data from the Optimizer itself); the case open on this desk is claimed, renewed
 * while open, and released on leaving it, on a decision that took effect, and when the desk locks;
 * take-next; the team's settings; and the hooks the decision service calls, so that a decision in team
 * mode needs this officer's live claim and its intended entry in the team journal before anything is sent.
 */
export function createTeamDesk(options: TeamDeskOptions) {
  const { log } = options
  const setup = createTeamSetup({
    store: options.store,
    keychain: options.keychain,
    service: options.keychainService,
    log,
  })
  const lease = options.leaseSeconds ?? 180
  const desk = setup.desk()
  let store: TeamStore | undefined
  let link: TeamLinkState | null = null
  let settings: TeamSettings | null = null
  let identity: { role: string; admin: boolean } | null = null
  /** The team's cases as last read, each claim with when it runs out on this process's clock. */
  const known = new Map<number, { item: TeamCase; claimEnds: number | null }>()
  /** The case open on this desk, claimed and renewed while it stays open. */
  let held: { videoidPk: number; scope: Scope } | undefined
  let renewing: NodeJS.Timeout | undefined
  let expiring: NodeJS.Timeout | undefined
  let locked = false
  /** The keychain holds a password for the address and user in use. */
  let passwordKnown = false
  let applying: Promise<void> = Promise.resolve()
  const rereads = new Map<number, Scope>()
  let rereading = 0
  const mirror = createJournalMirror({
    journal: options.journal,
    store: options.store,
    team: () => store,
    log,
  })

  /** Who this desk is, to tell its own claims from others'. */
  const here = () => ({ officer: identity?.role, desk })
  const code = (error: unknown) => (error instanceof AppError ? error.code : 'internal')
  const config = (): TeamConfig => setup.config()

  function view({ item, claimEnds }: { item: TeamCase; claimEnds: number | null }): TeamCaseView {
    const live = item.claim && claimEnds !== null && claimEnds > performance.now()
    return {
      videoidPk: item.videoidPk,
      status: item.status,
      claim:
        live && item.claim
          ? { officer: item.claim.officer, desk: item.claim.desk, since: item.claim.since }
          : null,
      validatedBy: item.validatedBy,
    }
  }

  function status(): TeamStatus {
    const { enabled, url, user } = config()
    return {
      enabled,
      url,
      user,
      passwordSaved: passwordKnown,
      desk,
      link: enabled ? (link ?? { online: false, problem: null, retryInMs: null }) : null,
      settings: enabled ? settings : null,
      admin: enabled && identity?.admin === true,
    }
  }
  const publish = () => options.onStatus(status())

  /** Takes in cases as the database gave them; a claim's end is counted on this process's clock. */
  function remember(items: readonly TeamCase[]): TeamCaseView[] {
    const now = performance.now()
    const views = items.map((item) => {
      const entry = { item, claimEnds: item.claim ? now + item.claim.expiresInMs : null }
      known.set(item.videoidPk, entry)
      return view(entry)
    })
    scheduleExpiry()
    return views
  }

  /** A claim whose desk stopped renewing runs out with no change in the database: each desk sees it go. */
  function scheduleExpiry(): void {
    clearTimeout(expiring)
    const ends = [...known.values()].flatMap((entry) => (entry.claimEnds === null ? [] : [entry.claimEnds]))
    if (!ends.length) return
    expiring = setTimeout(
      () => {
        const now = performance.now()
        const ended: TeamCaseView[] = []
        for (const entry of known.values())
          if (entry.claimEnds !== null && entry.claimEnds <= now) {
            entry.claimEnds = null
            entry.item = { ...entry.item, claim: null }
            ended.push(view(entry))
          }
        if (ended.length) options.onCases(ended, false)
        scheduleExpiry()
      },
      Math.max(0, Math.min(...ends) - performance.now()) + 5,
    )
    expiring.unref?.()
  }

  /** The team's changes: remembered, pushed to the page, and the book brought along. */
  function changed(changes: TeamChanges): void {
    if (changes.settings) {
      settings = changes.settings
      publish()
    }
    if (changes.full) known.clear()
    const views = remember(changes.cases)
    if (views.length || changes.full) options.onCases(views, changes.full)
    reclaim(changes.cases.map((item) => item.videoidPk))
    const scope = options.scope()
    applying = applying
      .then(() => follow(changes.cases, scope))
      .catch((error: unknown) => log.warn('team cases not taken into the book', { code: code(error) }))
  }

  /**
   * Open cases the book lacks are put into it (read from the Optimizer at the next round); a case the
   * team saw move on is read again now. Only the Optimizer's answer changes a status in the book.
   */
  async function follow(items: readonly TeamCase[], scope: Scope): Promise<void> {
    if (!items.length || !sameScope(scope, options.scope())) return
    const missing: TeamCase[] = []
    for (const item of items) {
      const local = await inBook(item.videoidPk, scope)
      if (!local) {
        if (!isFinalStatus(item.status)) missing.push(item)
      } else if (!local.gone && statusRank(item.status) > statusRank(local.status))
        reread(item.videoidPk, scope)
    }
    if (missing.length) {
      await options.cases.adoptShared(scope, missing)
      options.readSoon()
    }
  }

  /** The book's case, or undefined when it has none by that pk. */
  const inBook = (videoidPk: number, scope: Scope): Promise<Case | undefined> =>
    options.cases.get(videoidPk, scope).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'not_found') return undefined
      throw error
    })

  function reread(videoidPk: number, scope: Scope): void {
    rereads.set(videoidPk, scope)
    pump()
  }
  function pump(): void {
    while (rereading < REREADS) {
      const next = rereads.entries().next()
      if (next.done) return
      const [videoidPk, scope] = next.value
      rereads.delete(videoidPk)
      rereading++
      options.cases
        .refresh(videoidPk, scope)
        .catch(() => undefined)
        .finally(() => {
          rereading--
          pump()
        })
    }
  }

  /** Every case of the book goes to the team: adds made while the database was away, or before team mode. */
  async function shareBook(): Promise<void> {
    const scope = options.scope()
    await share(await options.cases.list(scope))
  }

  async function share(cases: readonly Case[]): Promise<void> {
    const team = store
    if (!team) return
    const items: SharedCase[] = cases
      .filter((item) => !item.gone && /^[A-Z_]{1,40}$/.test(item.status))
      .map((item) => ({
        videoidPk: item.videoidPk,
        requestPk: item.requestPk,
        status: item.status,
        pairVerified: item.pairVerified,
      }))
    if (items.length) await team.shareCases(items)
  }

  /** Connected and caught up: who this desk is, then online; then what waited for the database. */
  async function online(team: TeamStore, state: TeamLinkState): Promise<void> {
    identity = await team.identity().catch(() => identity)
    settings ??= await team.settings().catch(() => null)
    if (store !== team) return
    link = state
    publish()
    await shareBook().catch((error: unknown) => log.warn('cases not shared yet', { code: code(error) }))
    await mirror.run()
    if (held && !locked) await claimHeld().catch(() => undefined)
  }

  async function connect(): Promise<void> {
    const current = config()
    passwordKnown = false
    if (!current.enabled) return publish()
    let password: string | null
    try {
      password = await setup.password(current)
    } catch (error) {
      link = {
        online: false,
        problem: (error instanceof AppError ? error : passwordMissing()).toShape(),
        retryInMs: null,
      }
      return publish()
    }
    passwordKnown = password !== null
    if (password === null) {
      link = { online: false, problem: passwordMissing().toShape(), retryInMs: null }
      return publish()
    }
    const team = createTeamStore({
      connection: { url: current.url, user: current.user, password },
      desk,
      scope: options.scope,
      leaseSeconds: lease,
      ...(options.extraCaPem ? { extraCaPem: options.extraCaPem } : {}),
      onChanges: (changes) => {
        if (store === team) changed(changes)
      },
      onState: (state) => {
        if (store !== team) return
        if (state.online) return void online(team, state)
        link = state
        publish()
      },
      log,
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.pollMs ? { pollMs: options.pollMs } : {}),
    })
    store = team
    link = { online: false, problem: null, retryInMs: null }
    publish()
    team.start()
  }

  /** Ends the link: the held claim released first (others need not wait for its lease), the cases forgotten. */
  async function disconnect(): Promise<void> {
    const team = store
    store = undefined
    link = null
    settings = null
    identity = null
    clearTimeout(expiring)
    stopRenewing()
    if (!team) return
    const leaving = held
    held = undefined
    if (leaving && !locked) await team.release(leaving.videoidPk).catch(() => undefined)
    known.clear()
    options.onCases([], true)
    await team.close()
  }

  const requireStore = (): TeamStore => {
    if (store && link?.online) return store
    throw new AppError('team_unreachable', 'The team database cannot be reached: deciding waits for it.')
  }

  // The held claim: taken on opening a case, renewed every third of the lease while the case stays open.
  function stopRenewing(): void {
    clearInterval(renewing)
    renewing = undefined
  }
  function startRenewing(): void {
    stopRenewing()
    renewing = setInterval(() => void claimHeld().catch(() => undefined), (lease * 1000) / 3)
    renewing.unref?.()
  }

  const fourEyes = () => settings?.fourEyes ?? true

  /**
   * Whether this officer may still decide the case: it is not final (as the book or the team last saw
   * it, whichever saw later), and not one they validated while four eyes is on (another officer approves
   * it, and a claim would only keep them waiting).
   */
  function decidable(local: Case | undefined, team: TeamCase | undefined): boolean {
    const statuses = [local?.status, team?.status].filter((value): value is string => value !== undefined)
    const status = statuses.sort((a, b) => statusRank(b) - statusRank(a))[0]
    if (!status || status === 'UNKNOWN' || isFinalStatus(status) || local?.gone) return false
    return !(status === 'CREATED' && validatedByMe(team))
  }

  /** With four eyes on, this officer's validation of the case took effect: another officer approves it. */
  const validatedByMe = (team: TeamCase | undefined) =>
    fourEyes() && Boolean(team?.validatedBy) && team?.validatedBy === identity?.role

  /**
   * Claims (or renews) the held case while it can be decided; one the book has that the team does not
   * know is shared first. Another officer's live claim is left as it is (and tried again on the next
   * change of the case, or the next renewal).
   */
  async function claimHeld(): Promise<TeamCaseView | null> {
    const target = held
    const team = store
    if (!target || !team || locked) return null
    const local = await inBook(target.videoidPk, target.scope)
    const shared = known.get(target.videoidPk)?.item
    if (!decidable(local, shared)) {
      // A claim this officer took before the team said the case is no longer theirs to decide (they
      // validated it) is let go: it would only keep the officer who approves it waiting.
      if (isOwnClaim(shared?.claim, here())) await team.release(target.videoidPk)
      return viewOf(target.videoidPk)
    }
    let result: Awaited<ReturnType<TeamStore['claim']>>
    try {
      result = await team.claim(target.videoidPk)
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'not_found' && local)) throw error
      await share([local])
      result = await team.claim(target.videoidPk)
    }
    const [shown] = remember([result.case])
    options.onCases(shown ? [shown] : [], false)
    return shown ?? null
  }

  /**
   * The held case changed (its claim ended, its status was read, this officer's validation took
   * effect): claimed now if it can be, let go if it no longer can.
   */
  function reclaim(videoidPks: Iterable<number>): void {
    if (!held || locked || !link?.online) return
    const target = held.videoidPk
    if (![...videoidPks].includes(target)) return
    const shared = known.get(target)?.item
    if (isOwnClaim(shared?.claim, here()) && !(shared?.status === 'CREATED' && validatedByMe(shared))) return
    void claimHeld().catch(() => undefined)
  }

  const viewOf = (videoidPk: number): TeamCaseView | null => {
    const entry = known.get(videoidPk)
    return entry ? view(entry) : null
  }

  async function release(videoidPk: number): Promise<void> {
    if (held?.videoidPk !== videoidPk) return
    held = undefined
    stopRenewing()
    if (!store || locked) return
    await store
      .release(videoidPk)
      .catch((error: unknown) => log.info('claim not released', { code: code(error) }))
  }

  return {
    start: () => void connect(),
    status,
    /** The team's two-step mode in team mode, once read; undefined otherwise (the desk's own applies). */
    twoStepMode: (): boolean | undefined => (config().enabled ? settings?.twoStepMode : undefined),
    state: (): TeamState => ({ status: status(), cases: [...known.values()].map(view) }),

    /** Team mode on or off, or another address or user: the link starts again with it. */
    async setUp(input: TeamSetup): Promise<TeamStatus> {
      const { before, after } = await setup.save(input)
      if (before.enabled !== after.enabled) {
        const officer = await options.officer().catch(() => '')
        await options.journal
          .append({ type: 'setting', officer, setting: 'teamMode', from: before.enabled, to: after.enabled })
          .catch((error: unknown) =>
            log.error('team mode changed but could not be journaled', { code: code(error) }),
          )
      }
      await disconnect()
      await connect()
      return status()
    },

    /** The connection check: reach, TLS, user and password, schema. Without a password, the one saved. */
    async check(input: {
      url: string
      user: string
      password?: string | undefined
    }): Promise<TeamConnectionInfo> {
      const password = input.password ?? (await setup.password(input))
      if (password === null) throw passwordMissing()
      return checkTeamConnection({
        connection: { url: input.url, user: input.user, password },
        ...(options.extraCaPem ? { extraCaPem: options.extraCaPem } : {}),
        ...(options.connectTimeoutMs ? { timeoutMs: options.connectTimeoutMs } : {}),
      })
    },

    /** Two-step mode and four eyes for the whole team; the database lets only its admin role change them. */
    async changeSettings(change: TeamSettingsChange): Promise<TeamSettings> {
      const before = settings
      const after = await requireStore().changeSettings(change)
      settings = after
      publish()
      const officer = await options.officer().catch(() => '')
      for (const [setting, key] of [
        ['teamTwoStepMode', 'twoStepMode'],
        ['teamFourEyes', 'fourEyes'],
      ] as const)
        if (before && before[key] !== after[key])
          await options.journal
            .append({ type: 'setting', officer, setting, from: before[key], to: after[key] })
            .catch((error: unknown) =>
              log.error('a team setting changed but could not be journaled', { code: code(error) }),
            )
      return after
    },

    /** The officer opened a case: claimed if it is pending for them, and renewed while it stays open. */
    async open(videoidPk: number): Promise<TeamCaseView | null> {
      if (!config().enabled) return null
      if (held && held.videoidPk !== videoidPk) await release(held.videoidPk)
      held = { videoidPk, scope: options.scope() }
      if (locked) return viewOf(videoidPk)
      startRenewing()
      try {
        return await claimHeld()
      } catch (error) {
        // Away: claimed again when the database answers; the page shows why deciding waits.
        if (error instanceof AppError && error.code === 'team_unreachable') return viewOf(videoidPk)
        throw error
      }
    },

    /** The officer left the case: its claim ends now rather than when the lease runs out. */
    leave: (videoidPk: number) => release(videoidPk),

    /** The oldest unclaimed pending case, claimed for this officer; put into the book if it lacks it. */
    async takeNext(): Promise<TeamCaseView | null> {
      const team = requireStore()
      const scope = options.scope()
      const taken = await team.takeNext()
      if (!taken) return null
      if (held && held.videoidPk !== taken.videoidPk) await release(held.videoidPk)
      held = { videoidPk: taken.videoidPk, scope }
      startRenewing()
      const [shown] = remember([taken])
      if (shown) options.onCases([shown], false)
      if (!(await inBook(taken.videoidPk, scope))) {
        await options.cases.adoptShared(scope, [taken])
        options.readSoon()
      }
      return shown ?? null
    },

    /** The desk locked: its claim is released (an absent officer holds nothing); opened, claimed again. */
    async lockChanged(isLocked: boolean): Promise<void> {
      if (isLocked === locked) return
      locked = isLocked
      const target = held
      if (!target || !store) return
      if (isLocked) {
        stopRenewing()
        await store.release(target.videoidPk).catch(() => undefined)
      } else {
        startRenewing()
        await claimHeld().catch(() => undefined)
      }
    },

    /** Cases of the book that changed (an add, a status read): shared with the team. */
    shared(cases: readonly Case[]): void {
      if (!store) return
      share(cases)
        .then(() => reclaim(cases.map((item) => item.videoidPk)))
        .catch((error: unknown) => log.warn('cases not shared yet', { code: code(error) }))
    },

    /** Another Optimizer or environment: another set of team cases. */
    async scopeChanged(): Promise<void> {
      if (!config().enabled) return
      await disconnect()
      await connect()
    },

    /** For the decision service: whether decisions need the team (team mode on), and its controls. */
    decisions: {
      active: () => config().enabled,
      fourEyes,
      /** Writes the intended entry under this officer's live claim; throws when it may not be sent. */
      async intend(entry: DecisionEntry): Promise<void> {
        if (!entry.optimizer || !entry.environment)
          throw new AppError('invalid_input', 'A decision without its Optimizer and environment is not sent.')
        const written = await requireStore().recordIntended({
          scope: { optimizer: entry.optimizer, environment: entry.environment },
          videoidPk: entry.videoidPk,
          action: entry.action,
          ...(entry.reason ? { reason: entry.reason } : {}),
          ...(entry.language ? { language: entry.language } : {}),
          ...(entry.pairConfirmed !== undefined ? { pairConfirmed: entry.pairConfirmed } : {}),
          ...(entry.resendOf ? { resendOf: entry.resendOf } : {}),
          attempt: entry.seq,
          ...localOf(entry),
        })
        mirror.intended(entry.seq, written.seq)
      },
      /** An outcome was written locally: carried to the team journal; a decision that took effect ends the hold. */
      async recorded(outcome: DecisionEntry): Promise<void> {
        await mirror.run()
        if (
          (outcome.phase === 'done' || outcome.phase === 'settled_done') &&
          held?.videoidPk === outcome.videoidPk
        ) {
          held = undefined
          stopRenewing()
        }
      },
    },

    async close(): Promise<void> {
      await applying
      await disconnect()
    },
  }
}

export type TeamDesk = ReturnType<typeof createTeamDesk>
