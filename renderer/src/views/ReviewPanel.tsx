import { type RefObject, useEffect, useId, useMemo, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { type Case, pendingStep } from '../../../shared/cases'
import {
  ALLOWED_FROM,
  type CaseDecisions,
  type Checklist,
  checklistItems,
  type DecisionAction,
  isChecklistComplete,
  type ReasonLanguage,
  type RefusalReason,
  reasonText,
  refusalReasons,
  securityFeatures,
} from '../../../shared/decisions'
import type { Snapshot } from '../../../shared/media'
import { useCaseName, useStatusLabel } from '../components/CaseLabels'
import { ErrorMessage } from '../components/ErrorMessage'
import { formatClock, formatTime } from '../components/format'
import { isTyping } from '../components/typing'
import { nextPendingCase } from '../queue/queue-model'
import { useCases, useDecisions, useMedia, useNavigation, useSettings } from '../stores/context'
import { emptyChecklist, type ReasonDraft } from '../stores/decisions-store'
import { TeamHoldNotice, useTakeNext, useTeamHold, useTeamOn, useTwoStepMode } from './TeamNotices'

const DRAFT_SAVE_MS = 400

/** The checklist, the decisions this case allows, and the way to the next one. */
export function ReviewPanel({ item }: { item: Case }) {
  const { t, i18n } = useTranslation()
  const twoStepMode = useTwoStepMode()
  const openNext = useSettings((state) => state.settings?.openNextAfterDecision ?? true)
  const reasonSetting = useSettings((state) => state.settings?.reasonLanguage ?? 'ui')
  const language: ReasonLanguage =
    reasonSetting === 'ui' ? (i18n.language.startsWith('es') ? 'es' : 'en') : reasonSetting
  const decisions = useDecisions((state) => state.byCase.get(item.videoidPk))
  const loadCase = useDecisions((state) => state.loadCase)
  const checklist = useDecisions((state) => state.checklists.get(item.videoidPk)) ?? emptyChecklist()
  const setChecklist = useDecisions((state) => state.setChecklist)
  const sending = useDecisions((state) => state.sending)
  const outcome = useDecisions((state) => state.outcome)
  const decide = useDecisions((state) => state.decide)
  const takeCase = useCases((state) => state.takeCase)
  const rows = useCases((state) => state.rows)
  const go = useNavigation((state) => state.go)
  const name = useCaseName()
  const statusLabel = useStatusLabel()
  // The reason being typed lives in the store: the lock takes this panel away, and brings it back intact.
  const typedReason = useDecisions((state) => state.reasons.get(item.videoidPk))
  const setReasonOf = useDecisions((state) => state.setReason)
  const savedCode: RefusalReason | '' = (item.reasonDraft?.code as RefusalReason | undefined) ?? ''
  const savedText = item.reasonDraft?.text ?? ''
  // One object while nothing changes: the draft is saved to main each time it is a new one.
  const reason = useMemo<ReasonDraft>(
    () => typedReason ?? { code: savedCode, text: savedText },
    [typedReason, savedCode, savedText],
  )
  const setReason = (next: ReasonDraft) => setReasonOf(item.videoidPk, next)
  const [refusing, setRefusing] = useState(Boolean(typedReason ?? item.reasonDraft))
  const [confirming, setConfirming] = useState<DecisionAction | null>(null)
  const reasonSelect = useRef<HTMLSelectElement>(null)
  useEffect(() => {
    void loadCase(item.videoidPk)
  }, [loadCase, item.videoidPk])

  const step = item.gone ? null : pendingStep(item.status, twoStepMode)
  const canRefuse = !item.gone && ALLOWED_FROM.refuse.includes(item.status)
  const canCancel = !item.gone && ALLOWED_FROM.cancel.includes(item.status)
  const complete = isChecklistComplete(checklist)
  const reasonReady = reason.code !== '' && (reason.code !== 'other' || reason.text.trim() !== '')
  // In team mode, this officer's claim (and the team database) first.
  const hold = useTeamHold(item)
  // A lost answer not settled yet: nothing is sent on this case until its status tells.
  const busy = sending !== null || decisions?.unknown !== undefined || hold !== null

  const nextPending = () => nextPendingCase(rows, item.videoidPk, twoStepMode)
  // In team mode the next case is the one the team gives this officer, claimed.
  const teamOn = useTeamOn()
  const takeNext = useTakeNext()
  const openNextCase = () => {
    if (teamOn) return void takeNext()
    const next = nextPending()
    go(next ? { name: 'case', videoidPk: next.videoidPk } : { name: 'queue' })
  }

  const send = async (action: DecisionAction) => {
    setConfirming(null)
    // The dialog asked for these ticks before its button would send.
    const confirmed = {
      ...(item.pairVerified ? {} : { pairConfirmed: true as const }),
      ...(decisions?.unconfirmed ? { resendConfirmed: true as const } : {}),
    }
    const videoidPk = item.videoidPk
    const ok = await decide(
      action === 'refuse' && reason.code !== ''
        ? {
            action,
            videoidPk,
            checklist,
            reason: { code: reason.code, text: reason.text },
            language,
            ...confirmed,
          }
        : action === 'cancel'
          ? { action, videoidPk, ...confirmed }
          : { action: action as 'approve' | 'validate', videoidPk, checklist, ...confirmed },
      name(item),
      takeCase,
    )
    if (ok && action === 'refuse') setRefusing(false)
    if (ok && openNext) openNextCase()
  }

  const ask = (action: DecisionAction) => {
    if (busy) return
    if ((action === 'approve' || action === 'validate') && (step !== action || !complete)) return
    if (action === 'refuse' && !(canRefuse && reasonReady)) return
    if (action === 'cancel' && !canCancel) return
    setConfirming(action)
  }

  // A, V, R and N on the case, never while typing or with a dialog open.
  const latest = useRef({ ask, openNextCase, startRefusing: () => canRefuse && setRefusing(true) })
  latest.current = { ask, openNextCase, startRefusing: () => canRefuse && setRefusing(true) }
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return
      if (document.querySelector('dialog[open]')) return
      const key = event.key.toLowerCase()
      if (key === 'a') latest.current.ask('approve')
      else if (key === 'v') latest.current.ask('validate')
      else if (key === 'r') {
        latest.current.startRefusing()
        requestAnimationFrame(() => reasonSelect.current?.focus())
      } else if (key === 'n') latest.current.openNextCase()
      else return
      event.preventDefault()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  const shown = outcome?.videoidPk === item.videoidPk ? outcome : null
  return (
    <section className="card review" aria-labelledby="review-title" aria-busy={sending !== null}>
      <h2 id="review-title">{t('review.title')}</h2>
      {!item.pairVerified && (
        <div className="notice notice-warning">
          <p className="notice-title">{t('review.pairUnverifiedTitle')}</p>
          <p>{t('review.pairUnverifiedBody')}</p>
        </div>
      )}
      {hold && <TeamHoldNotice hold={hold} />}
      {decisions && <PendingDecision decisions={decisions} />}
      <ChecklistFields
        videoidPk={item.videoidPk}
        checklist={checklist}
        onChange={(next) => setChecklist(item.videoidPk, next)}
      />
      {refusing && canRefuse && (
        <ReasonForm
          item={item}
          reason={reason}
          onChange={setReason}
          selectRef={reasonSelect}
          disabled={busy || !reasonReady}
          onRefuse={() => ask('refuse')}
        />
      )}
      {/* Kept in view at the bottom of the panel while the checklist scrolls under it. */}
      <div className="decision-bar">
        {step === null && !canRefuse && !canCancel ? (
          <p className="muted">{t('review.noDecision', { status: statusLabel(item.status) })}</p>
        ) : (
          <>
            {step && !complete && <p className="hint">{t('review.incomplete')}</p>}
            <div className="actions">
              {step === 'approve' && (
                <button
                  type="button"
                  className="primary"
                  disabled={busy || !complete}
                  aria-keyshortcuts="A"
                  onClick={() => ask('approve')}
                >
                  {t('review.approve')}
                </button>
              )}
              {step === 'validate' && (
                <button
                  type="button"
                  className="primary"
                  disabled={busy || !complete}
                  aria-keyshortcuts="V"
                  onClick={() => ask('validate')}
                >
                  {t('review.validate')}
                </button>
              )}
              {canRefuse && !refusing && (
                <button type="button" disabled={busy} aria-keyshortcuts="R" onClick={() => setRefusing(true)}>
                  {t('review.refuse')}
                </button>
              )}
              <button type="button" aria-keyshortcuts="N" onClick={openNextCase}>
                {t('review.next')}
              </button>
              {canCancel && (
                <button type="button" className="push-end" disabled={busy} onClick={() => ask('cancel')}>
                  {t('caseView.cancel')}
                </button>
              )}
            </div>
          </>
        )}
        <div aria-live="polite">
          {busy && sending === item.videoidPk && (
            <p className="progress">
              <span className="spinner" aria-hidden="true" />
              {t('review.sending')}
            </p>
          )}
          {shown?.ok && <p className="notice notice-ok">{t(`review.done.${shown.action}`)}</p>}
        </div>
        {/* A lost answer is the pending notice's to tell, and goes with it once the status settles it. */}
        {shown && !shown.ok && shown.error.code !== 'outcome_unknown' && (
          <>
            {shown.error.code === 'wrong_state' && (
              <p className="notice notice-error">
                {t('review.decidedElsewhere', { status: statusLabel(item.status) })}
              </p>
            )}
            <ErrorMessage error={shown.error} />
          </>
        )}
      </div>
      <ConfirmDialog
        action={confirming}
        item={item}
        name={name(item)}
        sentReason={
          confirming === 'refuse' && reason.code !== ''
            ? { text: reasonText({ code: reason.code, text: reason.text }, language), language }
            : undefined
        }
        needsResend={decisions?.unconfirmed !== undefined}
        onConfirm={() => confirming && void send(confirming)}
        onClose={() => setConfirming(null)}
      />
    </section>
  )
}

function ChecklistFields({
  videoidPk,
  checklist,
  onChange,
}: {
  videoidPk: number
  checklist: Checklist
  onChange: (checklist: Checklist) => void
}) {
  const { t } = useTranslation()
  const snapshots = useMedia((state) => state.snapshots.get(videoidPk)) ?? []
  const toggle = <T,>(list: readonly T[], value: T, on: boolean) =>
    on ? [...list.filter((entry) => entry !== value), value] : list.filter((entry) => entry !== value)
  return (
    <fieldset className="checklist">
      <legend>{t('review.checklistTitle')}</legend>
      <p className="hint">{t('review.checklistIntro')}</p>
      {checklistItems.map((item) => (
        <div key={item} className="check-item">
          <div className="check-line">
            <label className="choice">
              <input
                type="checkbox"
                checked={checklist.checked.includes(item)}
                onChange={(event) =>
                  onChange({ ...checklist, checked: toggle(checklist.checked, item, event.target.checked) })
                }
              />
              {t(`review.items.${item}`)}
            </label>
            {snapshots.length > 0 && (
              <AttachSnapshots
                item={t(`review.items.${item}`)}
                snapshots={snapshots}
                attached={checklist.snapshots[item] ?? []}
                onChange={(attached) =>
                  onChange({ ...checklist, snapshots: { ...checklist.snapshots, [item]: attached } })
                }
              />
            )}
          </div>
          {item === 'document_genuine' && (
            <fieldset className="features">
              <legend>{t('review.featuresTitle')}</legend>
              {securityFeatures.map((feature) => (
                <label key={feature} className="choice">
                  <input
                    type="checkbox"
                    checked={checklist.securityFeatures.includes(feature)}
                    onChange={(event) =>
                      onChange({
                        ...checklist,
                        securityFeatures: toggle(checklist.securityFeatures, feature, event.target.checked),
                      })
                    }
                  />
                  {t(`review.features.${feature}`)}
                </label>
              ))}
            </fieldset>
          )}
        </div>
      ))}
    </fieldset>
  )
}

/**
 * The snapshots kept for one checklist item, in one compact control: a disclosure that shows how many
 * are attached and, opened, the snapshots to tick.
 */
function AttachSnapshots({
  item,
  snapshots,
  attached,
  onChange,
}: {
  item: string
  snapshots: readonly Snapshot[]
  attached: readonly string[]
  onChange: (attached: string[]) => void
}) {
  const { t } = useTranslation()
  return (
    <details className="attach">
      <summary aria-label={t('review.attachLabel', { item, count: attached.length })}>
        {t('review.attachSummary', { count: attached.length })}
      </summary>
      <div className="attach-menu">
        {snapshots.map((snapshot) => (
          <label key={snapshot.id} className="choice">
            <input
              type="checkbox"
              checked={attached.includes(snapshot.id)}
              onChange={(event) =>
                onChange(
                  event.target.checked
                    ? [...attached.filter((id) => id !== snapshot.id), snapshot.id]
                    : attached.filter((id) => id !== snapshot.id),
                )
              }
            />
            {t('review.attach', { time: formatClock(snapshot.videoTimeSeconds) })}
          </label>
        ))}
      </div>
    </details>
  )
}

function ReasonForm({
  item,
  reason,
  onChange,
  selectRef,
  disabled,
  onRefuse,
}: {
  item: Case
  reason: { code: RefusalReason | ''; text: string }
  onChange: (reason: { code: RefusalReason | ''; text: string }) => void
  selectRef: RefObject<HTMLSelectElement | null>
  disabled: boolean
  onRefuse: () => void
}) {
  const { t } = useTranslation()
  const saveReasonDraft = useCases((state) => state.saveReasonDraft)
  const ids = { code: useId(), text: useId() }
  // The reason being typed is kept with the case in main, so that a restart does not lose it.
  const first = useRef(true)
  useEffect(() => {
    if (first.current) {
      first.current = false
      return
    }
    const timer = setTimeout(() => {
      void saveReasonDraft(item.videoidPk, {
        ...(reason.code ? { code: reason.code } : {}),
        text: reason.text,
      })
    }, DRAFT_SAVE_MS)
    return () => clearTimeout(timer)
  }, [saveReasonDraft, item.videoidPk, reason])
  return (
    <div className="reason">
      <h3>{t('review.reasonTitle')}</h3>
      <div className="field">
        <label htmlFor={ids.code}>{t('review.reasonCode')}</label>
        <select
          id={ids.code}
          ref={selectRef}
          value={reason.code}
          onChange={(event) => onChange({ ...reason, code: event.target.value as RefusalReason | '' })}
        >
          <option value="">{t('review.reasonChoose')}</option>
          {refusalReasons.map((code) => (
            <option key={code} value={code}>
              {t(`review.reasons.${code}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={ids.text}>{t('review.reasonText')}</label>
        <textarea
          id={ids.text}
          rows={3}
          maxLength={2000}
          value={reason.text}
          aria-describedby={`${ids.text}-hint`}
          onChange={(event) => onChange({ ...reason, text: event.target.value })}
        />
        <p id={`${ids.text}-hint`} className="hint">
          {t('review.reasonTextHint')}
        </p>
      </div>
      <button type="button" className="danger" disabled={disabled} onClick={onRefuse}>
        {t('review.refuseConfirm')}
      </button>
    </div>
  )
}

/** A lost answer not settled yet, or one that never was: why the buttons wait, and until when. */
function PendingDecision({ decisions }: { decisions: CaseDecisions }) {
  const { t } = useTranslation()
  if (decisions.unknown) {
    const { action, nextCheckAt, windowEndsAt } = decisions.unknown
    return (
      <div className="notice notice-warning" role="status">
        <p className="notice-title">
          {t('review.unknownTitle', { action: t(`review.actionNames.${action}`) })}
        </p>
        <p>{t('review.unknownBody', { next: formatTime(nextCheckAt), end: formatTime(windowEndsAt) })}</p>
      </div>
    )
  }
  if (decisions.unconfirmed)
    return (
      <div className="notice notice-warning">
        <p className="notice-title">
          {t('review.unconfirmedTitle', { action: t(`review.actionNames.${decisions.unconfirmed.action}`) })}
        </p>
        <p>{t('review.unconfirmedBody')}</p>
      </div>
    )
  return null
}

/**
 * Names the person and the action, and shows what goes to the Optimizer word for word. A pair added
 * without a check, or a decision sent again after a lost answer, asks for an explicit tick first. The
 * safe answer has the focus.
 */
function ConfirmDialog({
  action,
  item,
  name,
  sentReason,
  needsResend,
  onConfirm,
  onClose,
}: {
  action: DecisionAction | null
  item: Case
  name: string
  sentReason: { text: string; language: ReasonLanguage } | undefined
  needsResend: boolean
  onConfirm: () => void
  onClose: () => void
}) {
  const { t } = useTranslation()
  const dialog = useRef<HTMLDialogElement>(null)
  const back = useRef<HTMLButtonElement>(null)
  const [pairTicked, setPairTicked] = useState(false)
  const [resendTicked, setResendTicked] = useState(false)
  useEffect(() => {
    const element = dialog.current
    if (!element) return
    if (action && !element.open) {
      setPairTicked(false)
      setResendTicked(false)
      element.showModal()
      back.current?.focus()
    }
    if (!action && element.open) element.close()
  }, [action])
  const question = {
    approve: 'review.confirmApprove',
    validate: 'review.confirmValidate',
    refuse: 'review.confirmRefuse',
    cancel: 'review.confirmCancel',
  } as const
  const { idDocumentType, serialNumber } = item.person
  const document = [idDocumentType, serialNumber].filter(Boolean).join(' ') || '—'
  const ready = (item.pairVerified || pairTicked) && (!needsResend || resendTicked)
  return (
    <dialog ref={dialog} className="confirm" aria-labelledby="confirm-question" onClose={onClose}>
      <p id="confirm-question">{action ? t(question[action], { name }) : ''}</p>
      {action && (
        <section className="sent" aria-labelledby="sent-title">
          <h3 id="sent-title">{t('review.sentTitle')}</h3>
          <p>
            {t('review.sentAction', {
              action: t(`review.actionNames.${action}`),
              videoidPk: item.videoidPk,
              requestPk: item.requestPk,
            })}
          </p>
          {sentReason && (
            <>
              <p>{t('review.sentReason', { language: t(`review.languages.${sentReason.language}`) })}</p>
              <blockquote className="sent-reason" lang={sentReason.language}>
                {sentReason.text}
              </blockquote>
            </>
          )}
        </section>
      )}
      {!item.pairVerified && (
        <Tick checked={pairTicked} onChange={setPairTicked}>
          {t('review.pairConfirm', { name, document })}
        </Tick>
      )}
      {needsResend && (
        <Tick checked={resendTicked} onChange={setResendTicked}>
          {t('review.resendConfirm')}
        </Tick>
      )}
      <div className="actions">
        <button
          type="button"
          className={action === 'approve' || action === 'validate' ? 'primary' : 'danger'}
          disabled={!ready}
          onClick={onConfirm}
        >
          {action ? t(`review.confirmYes.${action}`) : ''}
        </button>
        <button type="button" ref={back} onClick={onClose}>
          {t('review.confirmNo')}
        </button>
      </div>
    </dialog>
  )
}

/** One explicit confirmation the officer ticks before the dialog's button sends. */
function Tick({
  checked,
  onChange,
  children,
}: {
  checked: boolean
  onChange: (checked: boolean) => void
  children: string
}) {
  const id = useId()
  return (
    <p className="choice">
      <input id={id} type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      <label htmlFor={id}>{children}</label>
    </p>
  )
}
