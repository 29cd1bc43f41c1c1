import { useTranslation } from 'react-i18next'
import { pendingStep, type RowPerson } from '../../../shared/cases'
import { relativeTime } from '../queue/queue-model'

/** A status in the officer's words; a state the app does not name yet shows as the API spells it. */
export function useStatusLabel() {
  const { t, i18n } = useTranslation()
  return (status: string) =>
    i18n.exists(`status.${status}`) ? t(`status.${status}` as 'status.VIDEOREVIEW') : status
}

/** A time before now in the officer's language, as the platform words it ("3 hours ago"). */
export function useRelativeTime() {
  const { i18n } = useTranslation()
  return (iso: string, now: number) => relativeTime(i18n.language, iso, now)
}

/**
 * The signer's name as the request holds it, or a placeholder that says why there is none: the data
 * cannot be opened, main has not unsealed it yet (just after start), or the request names no one.
 */
export function useCaseName() {
  const { t } = useTranslation()
  return (item: { person?: RowPerson | undefined; sealedUnreadable: boolean }) => {
    if (item.sealedUnreadable) return t('queue.unreadable')
    if (!item.person) return t('queue.reading')
    const { givenName, surname1, surname2 } = item.person
    return [givenName, surname1, surname2].filter(Boolean).join(' ') || t('queue.noName')
  }
}

/** Status, plus the step it waits for at this workstation. */
export function StatusBadge({
  item,
  twoStepMode,
}: {
  item: { status: string; gone: boolean }
  twoStepMode: boolean
}) {
  const { t } = useTranslation()
  const label = useStatusLabel()
  const step = item.gone ? null : pendingStep(item.status, twoStepMode)
  return (
    <span className={`badge status-${item.status.toLowerCase()}${item.gone ? ' status-gone' : ''}`}>
      {item.gone ? t('queue.gone') : label(item.status)}
      {step && <span className="step"> · {t(`step.${step}`)}</span>}
    </span>
  )
}
