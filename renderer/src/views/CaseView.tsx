import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { type Case, type CaseRow, noteSchema } from '../../../shared/cases'
import { StatusBadge, useCaseName, useRelativeTime } from '../components/CaseLabels'
import { ErrorMessage, RetryableError } from '../components/ErrorMessage'
import { formatDateTime } from '../components/format'
import { isTyping } from '../components/typing'
import { useNow } from '../components/useNow'
import { usePrefetchNext } from '../components/usePrefetchNext'
import { useCases, useDecisions, useNavigation } from '../stores/context'
import { CaptureEntry } from './capture/CaptureEntry'
import { HelpDialog } from './HelpDialog'
import { Player } from './Player'
import { ReviewPanel } from './ReviewPanel'
import { Snapshots } from './Snapshots'
import { useTeamClaim, useTwoStepMode } from './TeamNotices'

/**
 * One case, laid out for one decision: at 1280 px and wider, the video large on one side and, on the
 * other, the signer's data, the checklist and the decision buttons (which stay in view); one column
 * below that. The case comes whole from main when it opens; its row gives the name meanwhile.
 */
export function CaseView({ videoidPk }: { videoidPk: number }) {
  const { t } = useTranslation()
  const item = useCases((state) => state.opened.get(videoidPk))
  const row = useCases((state) => state.rows.get(videoidPk))
  const person = useCases((state) => state.people.get(videoidPk))
  const failed = useCases((state) => state.openFailed.get(videoidPk))
  const openCase = useCases((state) => state.openCase)
  const closeCase = useCases((state) => state.closeCase)
  const go = useNavigation((state) => state.go)
  const heading = useRef<HTMLHeadingElement>(null)
  const name = useCaseName()
  const twoStepMode = useTwoStepMode()
  const [help, setHelp] = useState(false)
  const openHelp = useCallback(() => setHelp(true), [])
  useTeamClaim(videoidPk)

  useEffect(() => {
    void openCase(videoidPk)
    return () => closeCase(videoidPk)
  }, [openCase, closeCase, videoidPk])
  usePrefetchNext(videoidPk)
  useEffect(() => heading.current?.focus(), [])
  // Esc goes back to the queue; in a field it only leaves the field.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      // An open dialog takes its own Esc.
      if (event.key !== 'Escape' || event.defaultPrevented || document.querySelector('dialog[open]')) return
      if (isTyping(event.target)) (event.target as HTMLElement).blur()
      else go({ name: 'queue' })
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [go])

  const shown = item ?? (row ? { ...row, person } : undefined)
  return (
    <section aria-labelledby="case-title" className="case-page">
      <div className="case-head">
        <button type="button" className="link back" onClick={() => go({ name: 'queue' })}>
          ← {t('caseView.back')} <kbd>Esc</kbd>
        </button>
        <h1 id="case-title" tabIndex={-1} ref={heading}>
          {shown ? name(shown) : t('caseView.titleFallback', { pk: videoidPk })}
        </h1>
        {shown && <CaseBadges item={shown} twoStepMode={twoStepMode} />}
      </div>
      {item ? (
        <div className="case-desk">
          <div className="case-media">
            <CaptureEntry item={item} />
            <Player videoidPk={videoidPk} onHelp={openHelp} />
            <DecisionRecord videoidPk={videoidPk} />
            <Snapshots videoidPk={videoidPk} />
            <NoteForm item={item} />
          </div>
          <div className="case-side">
            <CaseNotices item={item} />
            <SignerData item={item} />
            <ReviewPanel item={item} />
          </div>
        </div>
      ) : failed?.code === 'not_found' ? (
        <p className="notice notice-error">{t('caseView.notInBook')}</p>
      ) : failed ? (
        <RetryableError error={failed} onRetry={() => void openCase(videoidPk)} />
      ) : (
        <p role="status" className="muted" aria-busy="true">
          {t('caseView.loading')}
        </p>
      )}
      <HelpDialog open={help} onClose={() => setHelp(false)} />
    </section>
  )
}

/** The case's state, its pair's check, and how long it has waited in that state since the desk saw it. */
function CaseBadges({ item, twoStepMode }: { item: Omit<CaseRow, 'person'>; twoStepMode: boolean }) {
  const { t } = useTranslation()
  const since = useRelativeTime()
  const now = useNow(30_000)
  return (
    <p className="badges">
      <StatusBadge item={item} twoStepMode={twoStepMode} />
      {!item.pairVerified && <span className="badge unverified">{t('queue.unverified')}</span>}
      <span className="muted">
        {t('queue.inState', { when: since(item.statusSince ?? item.addedAt, now) })} ·{' '}
        {t('queue.added', { when: since(item.addedAt, now) })}
      </span>
    </p>
  )
}

function CaseNotices({ item }: { item: Case }) {
  const { t } = useTranslation()
  return (
    <>
      {item.gone && <p className="notice notice-error">{t('caseView.goneNotice')}</p>}
      {!item.gone && item.missingSince && (
        <p className="notice notice-warning">
          {t('caseView.missingNotice', { time: formatDateTime(item.missingSince) })}
        </p>
      )}
      {item.sealedUnreadable && <p className="notice notice-error">{t('caseView.unreadableNotice')}</p>}
    </>
  )
}

/** The signer's data as last read, and the way to read it again from the Optimizer. */
function SignerData({ item }: { item: Case }) {
  const { t } = useTranslation()
  const { person } = item
  const when = (iso: string | undefined) => (iso ? formatDateTime(iso) : t('caseView.notYet'))
  const value = (text: string | undefined) => text || t('caseView.notRead')
  const rows: [string, string][] = [
    [t('caseView.givenName'), value(person.givenName)],
    [t('caseView.surnames'), value([person.surname1, person.surname2].filter(Boolean).join(' '))],
    [
      t('caseView.document'),
      value([person.idDocumentType, person.idDocumentCountry, person.serialNumber].filter(Boolean).join(' ')),
    ],
    [t('caseView.email'), value(person.email)],
    [t('caseView.phone'), value(person.mobilePhoneNumber)],
    [t('caseView.profile'), value(person.profile)],
    [t('caseView.ra'), value(person.registrationAuthority)],
    [t('caseView.videoidPk'), String(item.videoidPk)],
    [t('caseView.requestPk'), String(item.requestPk)],
    [t('caseView.added'), when(item.addedAt)],
    [t('caseView.synced'), when(item.syncedAt)],
  ]
  return (
    <section className="card signer" aria-labelledby="signer-title">
      <div className="card-head">
        <h2 id="signer-title">{t('caseView.signer')}</h2>
        <CaseActions item={item} />
      </div>
      <dl className="summary">
        {rows.map(([label, text]) => (
          <div key={label} className="summary-row">
            <dt>{label}</dt>
            <dd>{text}</dd>
          </div>
        ))}
      </dl>
    </section>
  )
}

/** What was decided on the case, as the journal records it: who, when, what, the exact reason sent. */
function DecisionRecord({ videoidPk }: { videoidPk: number }) {
  const { t } = useTranslation()
  const records = useDecisions((state) => state.byCase.get(videoidPk)?.records) ?? []
  if (!records.length) return null
  return (
    <section className="card record" aria-labelledby="record-title">
      <h2 id="record-title">{t('review.recordTitle')}</h2>
      {records.map((record) => (
        <dl key={record.attempt} className="summary">
          <div className="summary-row">
            <dt>
              {t('review.recordAction', {
                action: t(`review.actionNames.${record.action}`),
                officer: record.officer,
              })}
            </dt>
            <dd>{t('review.recordAt', { time: formatDateTime(record.at) })}</dd>
          </div>
          {record.reason && (
            <div className="summary-row">
              <dt>{t('review.recordReason')}</dt>
              <dd lang={record.language}>{record.reason}</dd>
            </div>
          )}
          {record.checklist && record.checklist.checked.length > 0 && (
            <div className="summary-row">
              <dt>{t('review.recordChecklist')}</dt>
              <dd>
                <ul className="plain">
                  {record.checklist.checked.map((checked) => (
                    <li key={checked}>{t(`review.items.${checked}`)}</li>
                  ))}
                </ul>
              </dd>
            </div>
          )}
          <div className="summary-row">
            <dt>{t('review.recordEntry', { seq: record.attempt })}</dt>
            <dd>
              {record.settledByStatus ? t('review.recordSettled') : ''}
              {record.pairConfirmed ? ` ${t('review.recordPairConfirmed')}` : ''}
            </dd>
          </div>
        </dl>
      ))}
    </section>
  )
}

/** Reading the case again from the Optimizer; decisions (a cancel too) are the review panel's. */
function CaseActions({ item }: { item: Case }) {
  const { t } = useTranslation()
  const busy = useCases((state) => state.busy)
  const outcome = useCases((state) => state.outcome)
  const refresh = useCases((state) => state.refresh)
  const shown = outcome?.action === 'refresh' ? outcome : null
  return (
    <div className="case-actions" aria-busy={busy === 'refresh'}>
      <button type="button" disabled={busy !== null} onClick={() => void refresh(item.videoidPk)}>
        {t('caseView.refresh')}
      </button>
      <div aria-live="polite">
        {busy === 'refresh' ? (
          <p className="progress">
            <span className="spinner" aria-hidden="true" />
            {t('caseView.working')}
          </p>
        ) : shown?.ok ? (
          <p className="notice notice-ok">{t('caseView.refreshed')}</p>
        ) : null}
      </div>
      {shown && !shown.ok && <ErrorMessage error={shown.error} />}
    </div>
  )
}

function NoteForm({ item }: { item: Case }) {
  const { t } = useTranslation()
  const busy = useCases((state) => state.busy)
  const outcome = useCases((state) => state.outcome)
  const saveNote = useCases((state) => state.saveNote)
  const [note, setNote] = useState(item.note)
  const id = useId()
  const tooLong = !noteSchema.safeParse(note).success
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (!tooLong) await saveNote(item.videoidPk, note)
  }
  return (
    <form className="card" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor={id}>{t('caseView.note')}</label>
        <textarea
          id={id}
          rows={3}
          value={note}
          maxLength={4000}
          aria-invalid={tooLong}
          aria-describedby={`${id}-hint`}
          onChange={(event) => setNote(event.target.value)}
        />
        <p id={`${id}-hint`} className="hint">
          {tooLong ? t('validation.too_long') : t('caseView.noteHint')}
        </p>
      </div>
      <div className="actions">
        <button type="submit" disabled={busy !== null || note === item.note}>
          {t('caseView.saveNote')}
        </button>
        <p role="status" className="muted">
          {outcome?.action === 'note' && outcome.ok && note === item.note ? t('caseView.noteSaved') : ''}
        </p>
      </div>
      {outcome?.action === 'note' && !outcome.ok && <ErrorMessage error={outcome.error} />}
    </form>
  )
}
