import type { Case } from '../../shared/cases'
import type { CredentialStatus } from '../../shared/credentials'
import {
  type DecisionAction,
  type DecisionInput,
  isChecklistComplete,
  type JournalEntry,
  type RefusalReason,
} from '../../shared/decisions'
import { AppError } from '../../shared/errors'
import type { Logger } from '../log'
import type { OneShotClient } from '../oneshot/client'
import type { Journal } from './journal'

/** The words a refusal carries to the Optimizer for each reason of the catalogue. */
export const REASON_TEXT: Readonly<Record<RefusalReason, string>> = {
  document_not_legible: 'The identity document is not legible',
  face_mismatch: 'The face does not match the document photo',
  liveness_not_shown: 'Liveness was not shown',
  prerecorded_or_manipulated: 'The video looks pre-recorded or manipulated',
  document_falsified: 'The document shows signs of falsification',
  document_expired: 'The document has expired',
  data_mismatch: 'The data does not match the request',
  video_incomplete: 'The video is incomplete or corrupt',
  suspected_fraud: 'Suspected fraud',
  other: 'Other',
}

/** The reason sent: the catalogue's words, then the officer's own where they gave any. Never blank. */
export function reasonText(reason: { code: RefusalReason; text: string }): string {
  const own = reason.text.trim()
  return own ? `${REASON_TEXT[reason.code]}: ${own}` : REASON_TEXT[reason.code]
}

/** The statuses that show a decision took effect (a later step counts: the request moved on from it). */
const TOOK_EFFECT: Readonly<Record<DecisionAction, readonly string[]>> = {
  approve: ['ENROLLREADY', 'ISSUED'],
  validate: ['CREATED', 'ENROLLREADY', 'ISSUED'],
  refuse: ['CANCELLED'],
  cancel: ['CANCELLED'],
}

/** The statuses in which a decision can be taken; outside them, a refusal is the wrong state's. */
const ALLOWED_FROM: Readonly<Record<DecisionAction, readonly string[]>> = {
  approve: ['VIDEOREVIEW', 'CREATED'],
  validate: ['VIDEOREVIEW'],
  refuse: ['VIDEOREVIEW', 'CREATED'],
  cancel: ['VIDEOPENDING', 'VIDEOREVIEW', 'VIDEOINCOMPLETE', 'VIDEOERROR', 'CREATED', 'ENROLLREADY'],
}

/** Outcomes after which nothing is left to settle. */
const FINAL_PHASES: ReadonlySet<JournalEntry['phase']> = new Set([
  'done',
  'refused',
  'not_sent',
  'settled_done',
  'settled_not_done',
])

/** Failures that mean the request never reached the Optimizer, so nothing was decided. */
const neverSent = (error: AppError) =>
  error.code === 'tls' ||
  (error.code === 'unreachable' &&
    /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/.test(error.detail ?? ''))

/** The Optimizer answered, and said no: nothing was decided. */
const answeredNo = (error: AppError) =>
  ['invalid_credentials', 'wrong_state', 'rejected', 'not_found', 'server_error', 'invalid_input'].includes(
    error.code,
  )

export const outcomeUnknown = () =>
  new AppError(
    'outcome_unknown',
    'The answer to this decision was lost, and the Optimizer cannot tell yet whether it took effect.',
  )

export interface DecisionServiceOptions {
  journal: Journal
  cases: {
    get(videoidPk: number): Promise<Case>
    refresh(videoidPk: number): Promise<Case>
    setReasonDraft(videoidPk: number, draft: Case['reasonDraft']): Promise<Case>
  }
  oneshot: Pick<OneShotClient, 'approve' | 'validate' | 'refuse' | 'cancelRequest' | 'getRequest'>
  credentials: { status(): Promise<CredentialStatus>; tokenInfo(): Promise<unknown> }
  /** The four-eyes setting: an officer does not approve a case they validated. */
  fourEyes: () => boolean
  log: Logger
}

/**
 * Decisions on cases, through main only: write-ahead in the journal (an intended entry flushed before
 * anything is sent, the outcome after), one at a time per case whatever the renderer sends, and never
 * sent again while its outcome is unknown: a lost answer is settled by re-reading the request's status.
 */
export function createDecisionService(options: DecisionServiceOptions) {
  const { journal, cases, oneshot, log } = options
  const inFlight = new Set<number>()

  /** Intended entries of a case whose outcome is not known yet (lost answer, or the app was killed). */
  const unsettled = (videoidPk?: number) => {
    const closed = new Set(
      journal
        .entries()
        .filter((entry) => entry.attempt !== undefined && FINAL_PHASES.has(entry.phase))
        .map((entry) => entry.attempt),
    )
    return journal
      .entries()
      .filter(
        (entry) =>
          entry.phase === 'intended' &&
          !closed.has(entry.seq) &&
          (videoidPk === undefined || entry.videoidPk === videoidPk),
      )
  }

  const outcome = (intended: JournalEntry, phase: JournalEntry['phase'], extra: Partial<JournalEntry> = {}) =>
    journal.append({
      officer: intended.officer,
      videoidPk: intended.videoidPk,
      requestPk: intended.requestPk,
      action: intended.action,
      phase,
      attempt: intended.seq,
      ...extra,
    })

  /** Re-reads the request and writes what its status shows; false when the Optimizer cannot tell now. */
  async function settle(intended: JournalEntry): Promise<'done' | 'not_done' | false> {
    let status: string
    try {
      status = (await oneshot.getRequest(intended.requestPk)).status
    } catch {
      return false
    }
    const done = TOOK_EFFECT[intended.action].includes(status)
    outcome(intended, done ? 'settled_done' : 'settled_not_done', { status })
    log.info('decision settled by the request status', { videoidPk: intended.videoidPk, done })
    await cases.refresh(intended.videoidPk).catch(() => undefined)
    return done ? 'done' : 'not_done'
  }

  function send(input: DecisionInput, requestPk: number): Promise<void> {
    if (input.action === 'approve') return oneshot.approve(input.videoidPk)
    if (input.action === 'validate') return oneshot.validate(input.videoidPk)
    if (input.action === 'refuse') return oneshot.refuse(input.videoidPk, reasonText(input.reason))
    return oneshot.cancelRequest(requestPk)
  }

  function checkAllowed(input: DecisionInput, officer: string): void {
    if ((input.action === 'approve' || input.action === 'validate') && !isChecklistComplete(input.checklist))
      throw new AppError('invalid_input', 'Every item of the review checklist must be ticked first.')
    if (input.action === 'refuse' && input.reason.code === 'other' && !input.reason.text.trim())
      throw new AppError('invalid_input', 'Say why the Video ID is refused.')
    if (input.action !== 'approve' || !options.fourEyes()) return
    const validatedHere = journal
      .entries()
      .some(
        (entry) =>
          entry.videoidPk === input.videoidPk &&
          entry.action === 'validate' &&
          entry.officer === officer &&
          (entry.phase === 'done' || entry.phase === 'settled_done'),
      )
    if (validatedHere)
      throw new AppError('four_eyes', 'Four eyes: another officer must approve a case you validated.')
  }

  async function attempt(
    input: DecisionInput,
    item: Case,
    officer: string,
    mayRetry: boolean,
  ): Promise<Case> {
    const intended = journal.append({
      officer,
      videoidPk: item.videoidPk,
      requestPk: item.requestPk,
      action: input.action,
      phase: 'intended',
      ...(input.action === 'refuse' ? { reason: reasonText(input.reason) } : {}),
      ...('checklist' in input ? { checklist: input.checklist } : {}),
    })
    try {
      await send(input, item.requestPk)
    } catch (thrown) {
      const error = thrown instanceof AppError ? thrown : new AppError('internal', 'The decision failed.')
      if (answeredNo(error)) {
        // The Optimizer's words are not documented: the status, read again, tells a wrong state.
        const now = await cases.refresh(item.videoidPk).catch(() => undefined)
        const wrongState =
          now !== undefined && !now.gone && !ALLOWED_FROM[input.action].includes(now.status)
            ? new AppError(
                'wrong_state',
                'This Video ID is not in a state that allows this action.',
                error.detail,
              )
            : undefined
        outcome(intended, 'refused', { errorCode: (wrongState ?? error).code })
        if (wrongState) throw wrongState
        // A token deleted on the Optimizer: back to the stored credentials, as the vault does, once.
        if (error.code === 'invalid_credentials' && mayRetry && (await dropDeletedToken()))
          return attempt(input, item, officer, false)
        throw error
      }
      if (neverSent(error)) {
        outcome(intended, 'not_sent', { errorCode: error.code })
        throw error
      }
      outcome(intended, 'unknown', { errorCode: error.code })
      const settled = await settle(intended)
      if (settled === 'done') return cases.get(item.videoidPk)
      // Settled as not done: sending again is safe, and the error's own words invite it.
      if (settled === 'not_done') throw error
      throw outcomeUnknown()
    }
    outcome(intended, 'done')
    return cases.refresh(item.videoidPk).catch(() => cases.get(item.videoidPk))
  }

  /** In token mode, reading the token drops it from the vault if the Optimizer deleted it. */
  async function dropDeletedToken(): Promise<boolean> {
    if ((await options.credentials.status()).mode !== 'token') return false
    try {
      await options.credentials.tokenInfo()
      return false
    } catch (error) {
      return error instanceof AppError && error.code === 'not_found'
    }
  }

  return {
    async decide(input: DecisionInput): Promise<{ case: Case }> {
      if (inFlight.has(input.videoidPk))
        throw new AppError('decision_in_flight', 'A decision on this case is already on its way.')
      inFlight.add(input.videoidPk)
      try {
        const item = await cases.get(input.videoidPk)
        for (const pending of unsettled(input.videoidPk)) {
          const settled = await settle(pending)
          if (settled === false) throw outcomeUnknown()
          if (settled === 'done') throw new AppError('wrong_state', 'This decision was already taken.')
        }
        const officer = (await options.credentials.status()).username ?? 'unknown'
        checkAllowed(input, officer)
        const decided = await attempt(input, item, officer, true)
        if (input.action === 'refuse' && decided.reasonDraft)
          return { case: await cases.setReasonDraft(input.videoidPk, undefined) }
        return { case: decided }
      } finally {
        inFlight.delete(input.videoidPk)
      }
    },

    /** Settles every decision whose answer was lost or whose app was killed: at start, and after syncs. */
    async settlePending(): Promise<number> {
      let settled = 0
      for (const pending of unsettled()) {
        if (inFlight.has(pending.videoidPk)) continue
        if ((await settle(pending)) !== false) settled++
      }
      return settled
    },

    journal: () => ({ entries: [...journal.entries()], chain: journal.chain() }),
  }
}

export type DecisionService = ReturnType<typeof createDecisionService>
