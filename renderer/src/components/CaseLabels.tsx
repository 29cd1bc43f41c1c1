import { useTranslation } from 'react-i18next'
import { type Case, pendingStep } from '../../../shared/cases'
import { ageParts } from '../queue/queue-model'

/** A status in the officer's words; a state the app does not name yet shows as the API spells it. */
export function useStatusLabel() {
  const { t, i18n } = useTranslation()
  return (status: string) =>
    i18n.exists(`status.${status}`) ? t(`status.${status}` as 'status.VIDEOREVIEW') : status
}

export function useAge() {
  const { t } = useTranslation()
  return (ms: number) => {
    const { days, hours, minutes } = ageParts(ms)
    if (days) return t('queue.ageDays', { days, hours })
    if (hours) return t('queue.ageHours', { hours, minutes })
    return minutes ? t('queue.ageMinutes', { minutes }) : t('queue.ageNow')
  }
}

/** The signer's name as the request holds it, or a placeholder that says why there is none. */
export function useCaseName() {
  const { t } = useTranslation()
  return (item: Case) => {
    const { givenName, surname1, surname2 } = item.person
    const name = [givenName, surname1, surname2].filter(Boolean).join(' ')
    if (name) return name
    return item.sealedUnreadable ? t('queue.unreadable') : t('queue.noName')
  }
}

/** Status, plus the step it waits for at this workstation. */
export function StatusBadge({ item, twoStepMode }: { item: Case; twoStepMode: boolean }) {
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
