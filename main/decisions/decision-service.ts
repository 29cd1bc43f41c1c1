import type { Case } from '../../shared/cases'
import type { CredentialStatus } from '../../shared/credentials'
import {
  ALLOWED_FROM,
  type CaseDecisions,
  type DecisionAction,
  type DecisionEntry,
  type DecisionInput,
  isChecklistComplete,
  reasonText,
  TOOK_EFFECT,
} from '../../shared/decisions'
import { AppError } from '../../shared/errors'
import type { Logger } from '../log'
import type { RaoAuthority } from '../oneshot/authority'
import type { OneShotClient } from '../oneshot/client'
import { classifyByStatus, neverSent, type StatusEffect } from '../oneshot/outcome'
import { type Scope, sameScope, scopeKey } from '../scope'
import { type Attempt, createAttemptIndex, finalOf, settledBy, settleWindowEnd } from './attempts'
import type { Journal } from './journal'

/**
 * What a failed decision means, from the error and the request's status read again after it: the one
 * policy for every write (`classifyByStatus`), with the decision's own effect and starting states.
 */
const effectOf = (action: DecisionAction): StatusEffect => ({
  tookEffect: TOOK_EFFECT[action],
  allowedFrom: ALLOWED_FROM[action],
})
export const classifyFailure = (action: DecisionAction, error: AppError, status: string | undefined) =>
  classifyByStatus(error, status, effectOf(action))

export const outcomeUnknown = (windowEndsAt?: string) =>
  new AppError(
    'outcome_unknown',
    'The answer to this decision was lost, and the Optimizer cannot tell yet whether it took effect.',
    windowEndsAt ? `settled by ${windowEndsAt} at the latest` : undefined,
  )

export interface DecisionServiceOptions {
  journal: Journal
  cases: {
    get(videoidPk: number, scope: Scope): Promise<Case>
    /** Reads the case from the Optimizer now (and keeps what it read). */
    refresh(videoidPk: number, scope: Scope): Promise<Case>
    setReasonDraft(videoidPk: number, draft: Case['reasonDraft'], scope: Scope): Promise<Case>
  }
  oneshotFor: (scope: Scope) => Pick<OneShotClient, 'approve' | 'validate' | 'refuse' | 'cancelRequest'>
  credentials: {
    /** A scope's credentials as the renderer sees them: whose they are. Always the decision's own scope. */
    status(scope: Scope): Promise<CredentialStatus>
    /** What a decision in a scope carries: that environment's credentials, bound to that address. */
    authority(scope: Scope): Promise<RaoAuthority>
    /** Reads a scope's token at its Optimizer, dropping it from the vault where the Optimizer deleted it. */
    tokenInfo(scope: Scope): Promise<unknown>
  }
  /** The address and environment in use: each decision takes them once, at its start. */
  scope: () => Scope
  /** The four-eyes setting: an officer does not approve a case they validated. */
  fourEyes: () => boolean
  /** How long a lost answer's status must show the state before the decision to count as not done. */
  settleWindowMs: () => number
  /** How long between two reads of a lost answer's status. */
  settleReadEveryMs: () => number
  /**
   * Team mode, when on: a decision then needs this officer's live claim, checked by the team database in
   * the transaction that writes the attempt's intended entry to the team journal, before anything is
   * sent; the outcomes follow it there.
   */
  team?: {
    active(): boolean
    /** Writes the intended entry to the team journal; throws when the database refuses it or is away. */
    intend(intended: DecisionEntry): Promise<void>
    /** An outcome of a team-mode attempt was written here: it goes to the team journal too (never throws). */
    recorded(outcome: DecisionEntry): Promise<void>
  }
  /** Told when a case's decisions change (an attempt, an outcome, a settlement), for the renderer. */
  onChange: (state: CaseDecisions) => void
  log: Logger
  now?: () => Date
}

/**
 * Decisions on cases, through main only: the authority read first, then an `intended` entry flushed to the
 * journal before anything is sent, then the outcome. One at a time per case whatever the renderer sends.
 * A decision whose answer was lost stays outcome unknown, and is never sent again, until the request's
 * status shows it took effect (done) or has shown the state before it for the whole settle window,
 * counted from the lost answer's journal entry (not done). Settling is single-flight per attempt.
 */
export function createDecisionService(options: DecisionServiceOptions) {
  const { journal, cases, credentials, log } = options
  const now = () => (options.now ?? (() => new Date()))()
  const attempts = createAttemptIndex(
    'decision',
    () => journal.entries(),
    (seq) => journal.trusted(seq),
  )
  const inFlight = new Set<string>()
  const settling = new Map<number, Promise<void>>()
  /** When each unsettled attempt's status was last read (in memory: a restart reads at once). */
  const lastRead = new Map<number, number>()
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = true
  /** Failed loads of the journal in a row: the timer backs off while the keychain will not give its key. */
  let loadFailures = 0

  const caseKey = (scope: Scope, videoidPk: number) => `${scopeKey(scope)} ${videoidPk}`
  const scopeOf = (entry: DecisionEntry): Scope =>
    entry.optimizer && entry.environment
      ? { optimizer: entry.optimizer, environment: entry.environment }
      : options.scope()

  const windowEnd = (attempt: Attempt) => settleWindowEnd(attempt, options.settleWindowMs())
  const nextCheck = (attempt: Attempt) => {
    const read = lastRead.get(attempt.intended.seq)
    return read === undefined ? now().getTime() : read + options.settleReadEveryMs()
  }

  /** The case's decisions as the renderer shows them. */
  function stateOf(scope: Scope, videoidPk: number): CaseDecisions {
    const all = attempts.ofCase(scope, videoidPk)
    const pending = all.find((attempt) => !finalOf(attempt))
    const latest = all.at(-1)
    const latestFinal = latest && finalOf(latest)
    const records = all.flatMap((attempt) => {
      const outcome = finalOf(attempt)
      if (outcome?.phase !== 'done' && outcome?.phase !== 'settled_done') return []
      const { intended } = attempt
      return [
        {
          attempt: intended.seq,
          outcomeSeq: outcome.seq,
          action: intended.action,
          officer: intended.officer,
          at: outcome.time,
          settledByStatus: outcome.phase === 'settled_done',
          ...(intended.reason ? { reason: intended.reason } : {}),
          ...(intended.language ? { language: intended.language } : {}),
          ...(intended.checklist ? { checklist: intended.checklist } : {}),
          ...(intended.pairConfirmed !== undefined ? { pairConfirmed: intended.pairConfirmed } : {}),
        },
      ]
    })
    return {
      videoidPk,
      ...(pending
        ? {
            unknown: {
              attempt: pending.intended.seq,
              action: pending.intended.action,
              windowEndsAt: new Date(windowEnd(pending)).toISOString(),
              nextCheckAt: new Date(Math.max(nextCheck(pending), now().getTime())).toISOString(),
            },
          }
        : {}),
      ...(latest && latestFinal?.phase === 'settled_not_done'
        ? { unconfirmed: { attempt: latest.intended.seq, action: latest.intended.action } }
        : {}),
      records,
    }
  }

  function notify(scope: Scope, videoidPk: number): void {
    if (sameScope(scope, options.scope())) options.onChange(stateOf(scope, videoidPk))
  }

  async function outcome(
    intended: DecisionEntry,
    phase: DecisionEntry['phase'],
    extra: Partial<DecisionEntry> = {},
  ): Promise<void> {
    const entry = await journal.append({
      type: 'decision',
      officer: intended.officer,
      ...(intended.optimizer ? { optimizer: intended.optimizer } : {}),
      ...(intended.environment ? { environment: intended.environment } : {}),
      videoidPk: intended.videoidPk,
      requestPk: intended.requestPk,
      action: intended.action,
      phase,
      attempt: intended.seq,
      ...extra,
    })
    if (intended.team && entry.type === 'decision') await options.team?.recorded(entry)
  }

  /**
   * Reads the request's status once and writes what it shows, if it shows anything: the decision's effect
   * (done), another state (not done: decided otherwise), or the state before it once the whole window has
   * passed (not done). Single-flight per attempt: whoever asks (sync, start, the timer, the case page)
   * shares the one read, and an attempt gets one settled entry.
   */
  function settle(attempt: Attempt, read?: { item: Case; scope: Scope }): Promise<void> {
    const seq = attempt.intended.seq
    const running = settling.get(seq)
    if (running) return running
    const task = (async () => {
      if (finalOf(attempt)) return
      const { intended } = attempt
      const scope = scopeOf(intended)
      const readAt = now().getTime()
      lastRead.set(seq, readAt)
      let item: Case
      try {
        // A read of another Optimizer's case with the same pk says nothing of this attempt.
        item =
          read && sameScope(read.scope, scope) ? read.item : await cases.refresh(intended.videoidPk, scope)
      } catch (error) {
        log.info('decision not settled yet: status unreadable', {
          code: error instanceof AppError ? error.code : 'internal',
        })
        return
      }
      // Checked again after the read: what the single flight does not cover (an outcome the decision itself
      // wrote meanwhile) must not be settled twice.
      if (finalOf(attempt) || item.status === 'UNKNOWN') return
      const { status } = item
      const settled = settledBy(status, effectOf(intended.action), readAt, windowEnd(attempt))
      if (!settled) return
      await outcome(intended, settled, { status })
      lastRead.delete(seq)
      log.info('decision settled by the request status', { videoidPk: intended.videoidPk, status })
    })().finally(() => {
      settling.delete(seq)
      notify(scopeOf(attempt.intended), attempt.intended.videoidPk)
      reschedule()
    })
    settling.set(seq, task)
    return task
  }

  /** Unsettled attempts that settling may read for: not those of a decision on its way (it settles its own). */
  const settleable = () =>
    attempts
      .unsettled()
      .filter((attempt) => !inFlight.has(caseKey(scopeOf(attempt.intended), attempt.intended.videoidPk)))

  /** Settles every settleable attempt whose next read is due. */
  async function settleDue(): Promise<void> {
    try {
      try {
        await journal.load()
        loadFailures = 0
      } catch (error) {
        // The journal cannot be read yet (a locked keychain): ask again later, not at once.
        loadFailures++
        throw error
      }
      const due = settleable().filter((attempt) => nextCheck(attempt) <= now().getTime())
      await Promise.all(due.map((attempt) => settle(attempt)))
    } finally {
      // A timer may fire a little before its read is due: it is set again, never dropped.
      reschedule()
    }
  }

  /** The timer waits for the earliest next read of a settleable attempt. */
  function reschedule(): void {
    clearTimeout(timer)
    if (stopped) return
    const backoff = loadFailures
      ? now().getTime() +
        Math.min(300_000, Math.max(options.settleReadEveryMs(), 5000) * 2 ** (loadFailures - 1))
      : 0
    const next = Math.max(backoff, Math.min(...settleable().map(nextCheck)))
    if (!Number.isFinite(next)) return
    timer = setTimeout(() => void settleDue().catch(() => undefined), Math.max(0, next - now().getTime()))
    timer.unref?.()
  }

  function send(input: DecisionInput, item: Case, scope: Scope, authority: RaoAuthority): Promise<void> {
    const client = options.oneshotFor(scope)
    if (input.action === 'approve') return client.approve(input.videoidPk, authority)
    if (input.action === 'validate') return client.validate(input.videoidPk, authority)
    if (input.action === 'refuse')
      return client.refuse(input.videoidPk, reasonText(input.reason, input.language), authority)
    return client.cancelRequest(item.requestPk)
  }

  /** What main refuses before anything is written: the checklist, a reason, the pair, four eyes, a resend. */
  function checkAllowed(input: DecisionInput, item: Case, scope: Scope, officer: string): void {
    if ((input.action === 'approve' || input.action === 'validate') && !isChecklistComplete(input.checklist))
      throw new AppError('invalid_input', 'Every item of the review checklist must be ticked first.')
    if (input.action === 'refuse' && input.reason.code === 'other' && !input.reason.text.trim())
      throw new AppError('invalid_input', 'Say why the Video ID is refused.')
    if (!item.pairVerified && !input.pairConfirmed)
      throw new AppError(
        'pair_unconfirmed',
        'This pair was added without a check: confirm that the video shows this person and document.',
      )
    const state = stateOf(scope, input.videoidPk)
    if (state.unconfirmed && !input.resendConfirmed)
      throw new AppError(
        'resend_unconfirmed',
        'The first attempt was never confirmed by an answer. Confirm that you want to send it again.',
      )
    if (input.action !== 'approve' || !options.fourEyes()) return
    if (state.records.some((record) => record.action === 'validate' && record.officer === officer))
      throw new AppError('four_eyes', 'Four eyes: another officer must approve a case you validated.')
  }

  async function attempt(
    input: DecisionInput,
    item: Case,
    scope: Scope,
    officer: string,
    team: DecisionServiceOptions['team'],
    mayRetry: boolean,
  ): Promise<Case> {
    const resendOf = stateOf(scope, input.videoidPk).unconfirmed?.attempt
    const record = {
      type: 'decision' as const,
      officer,
      optimizer: scope.optimizer,
      environment: scope.environment,
      videoidPk: item.videoidPk,
      requestPk: item.requestPk,
      action: input.action,
      ...(input.action === 'refuse'
        ? { reason: reasonText(input.reason, input.language), language: input.language }
        : {}),
      ...('checklist' in input ? { checklist: input.checklist } : {}),
      ...(item.pairVerified ? {} : { pairConfirmed: true }),
      ...(resendOf ? { resendOf } : {}),
      ...(team ? { team: true } : {}),
      settleWindowMs: options.settleWindowMs(),
    }
    // The authority first: a keychain that cannot give it means nothing left the desk.
    let authority: RaoAuthority
    try {
      authority = await credentials.authority(scope)
    } catch (error) {
      const failure = error instanceof AppError ? error : new AppError('internal', 'The decision failed.')
      const intended = (await journal.append({ ...record, phase: 'intended' })) as DecisionEntry
      await outcome(intended, 'not_sent', { errorCode: failure.code })
      throw failure
    }
    const intended = (await journal.append({ ...record, phase: 'intended' })) as DecisionEntry
    notify(scope, item.videoidPk)
    if (team) {
      // The team database is the judge of the claim and of four eyes: refused, or away, nothing is sent.
      try {
        await team.intend(intended)
      } catch (error) {
        const failure = error instanceof AppError ? error : new AppError('internal', 'The decision failed.')
        await outcome(intended, 'not_sent', { errorCode: failure.code })
        throw failure
      }
    }
    try {
      await send(input, item, scope, authority)
    } catch (thrown) {
      const error = thrown instanceof AppError ? thrown : new AppError('internal', 'The decision failed.')
      const status = neverSent(error)
        ? undefined
        : await cases.refresh(item.videoidPk, scope).then(
            (read) => (read.status === 'UNKNOWN' ? undefined : read.status),
            () => undefined,
          )
      const classified = classifyFailure(input.action, error, status)
      if (classified.phase === 'settled_done') {
        await outcome(intended, 'settled_done', { status: classified.status, errorCode: error.code })
        return cases.get(item.videoidPk, scope)
      }
      await outcome(intended, classified.phase, { errorCode: classified.errorCode })
      if (classified.phase === 'unknown') {
        lastRead.set(intended.seq, now().getTime())
        throw outcomeUnknown(stateOf(scope, item.videoidPk).unknown?.windowEndsAt)
      }
      if (classified.phase === 'refused' && classified.errorCode === 'wrong_state')
        throw new AppError(
          'wrong_state',
          'This Video ID is not in a state that allows this action.',
          error.detail,
        )
      // A token deleted on the Optimizer: back to the stored credentials, as the vault does, once.
      if (error.code === 'invalid_credentials' && mayRetry && (await dropDeletedToken(scope)))
        return attempt(input, item, scope, officer, team, false)
      throw error
    }
    await outcome(intended, 'done')
    return cases.refresh(item.videoidPk, scope).catch(() => cases.get(item.videoidPk, scope))
  }

  /** In token mode, reading the token drops it from the vault if the Optimizer deleted it; the decision's scope's. */
  async function dropDeletedToken(scope: Scope): Promise<boolean> {
    if ((await credentials.status(scope)).mode !== 'token') return false
    try {
      await credentials.tokenInfo(scope)
      return false
    } catch (error) {
      return error instanceof AppError && error.code === 'not_found'
    }
  }

  return {
    async decide(input: DecisionInput): Promise<{ case: Case }> {
      const scope = options.scope()
      // Taken once, like the scope: team mode turned on or off meanwhile does not change this decision.
      const team = options.team?.active() ? options.team : undefined
      const key = caseKey(scope, input.videoidPk)
      if (inFlight.has(key))
        throw new AppError('decision_in_flight', 'A decision on this case is already on its way.')
      inFlight.add(key)
      try {
        await journal.load()
        const item = await cases.get(input.videoidPk, scope)
        // A lost answer first: settled now if its status can tell, else nothing is sent.
        for (const pending of attempts.ofCase(scope, input.videoidPk).filter((each) => !finalOf(each))) {
          if (nextCheck(pending) <= now().getTime()) await settle(pending)
          if (!finalOf(pending)) throw outcomeUnknown(new Date(windowEnd(pending)).toISOString())
          if (finalOf(pending)?.phase === 'settled_done')
            throw new AppError('wrong_state', 'This decision was already taken.')
        }
        const officer = (await credentials.status(scope)).username ?? 'unknown'
        checkAllowed(input, item, scope, officer)
        // The status now, not as the book last read it: a case decided elsewhere meanwhile is not sent to,
        // and a status that shows the effect after a failed answer then means this attempt's.
        const current = await cases.refresh(input.videoidPk, scope)
        if (!ALLOWED_FROM[input.action].includes(current.status))
          throw new AppError(
            'wrong_state',
            'This Video ID is not in a state that allows this action.',
            current.status,
          )
        const decided = await attempt(input, current, scope, officer, team, true)
        if (input.action === 'refuse' && decided.reasonDraft)
          return { case: await cases.setReasonDraft(input.videoidPk, undefined, scope) }
        return { case: decided }
      } finally {
        inFlight.delete(key)
        notify(scope, input.videoidPk)
        // An answer lost just now is the timer's from here on.
        reschedule()
      }
    },

    /** Where a case's decisions stand, in the scope in use. */
    async caseDecisions(videoidPk: number): Promise<CaseDecisions> {
      await journal.load().catch(() => undefined)
      return stateOf(options.scope(), videoidPk)
    },

    /** Settles what is due: at start, after each sync round, and on the timer. */
    settleDue,

    /** A case just read again (the officer asked): its status settles what it can, with no read of its own. */
    async observe(item: Case, scope: Scope): Promise<void> {
      await journal.load()
      if (inFlight.has(caseKey(scope, item.videoidPk))) return
      const pending = attempts.ofCase(scope, item.videoidPk).filter((attempt) => !finalOf(attempt))
      await Promise.all(pending.map((attempt) => settle(attempt, { item, scope })))
    },

    /**
     * Lets the timer read lost answers' statuses until they settle; the first settling (`settleDue`) is
     * the start's to ask for, once the window has its first rows: it reads the whole journal.
     */
    start(): void {
      stopped = false
    },

    /** Stops the timer and waits for settlements under way. */
    async stop(): Promise<void> {
      stopped = true
      clearTimeout(timer)
      await Promise.allSettled([...settling.values()])
    },

    async journal() {
      await journal.load().catch(() => undefined)
      return { entries: [...journal.entries()], integrity: journal.integrity() }
    },
  }
}

export type DecisionService = ReturnType<typeof createDecisionService>
