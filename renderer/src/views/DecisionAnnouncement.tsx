import { useTranslation } from 'react-i18next'
import { useDecisions } from '../stores/context'

/**
 * What became of the last decision, named by person, action and outcome, in a live region that stays in
 * the page: it is announced, and still on screen for a few seconds after the next case has opened.
 */
export function DecisionAnnouncement() {
  const { t } = useTranslation()
  const announcement = useDecisions((state) => state.announcement)
  return (
    <div
      className={announcement ? `announcement announcement-${announcement.outcome}` : 'announcement'}
      role="status"
      aria-live="polite"
    >
      {announcement && (
        <p key={announcement.id}>
          {t(`review.announce.${announcement.outcome}`, {
            name: announcement.name,
            action: t(`review.actionNames.${announcement.action}`),
          })}
        </p>
      )}
    </div>
  )
}
