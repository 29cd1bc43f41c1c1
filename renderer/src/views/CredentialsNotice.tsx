import { useTranslation } from 'react-i18next'
import { useCredentials, useNavigation } from '../stores/context'

/**
 * Said on every page but the credentials' own: credentials checked with another Optimizer address
 * (nothing goes to the one in use until they are entered again), or saved beside a token another
 * system made. A state rather than an outcome, so it is there for as long as it holds.
 */
export function CredentialsNotice() {
  const { t } = useTranslation()
  const state = useCredentials((credentials) => credentials.status?.state)
  const setupNote = useCredentials((credentials) =>
    credentials.outcome?.action === 'setUp' && credentials.outcome.ok ? credentials.outcome.note : undefined,
  )
  const page = useNavigation((navigation) => navigation.page.name)
  const go = useNavigation((navigation) => navigation.go)
  if (state === 'other_optimizer' && page !== 'account') {
    return (
      <p role="status" className="notice notice-warning banner">
        {t('credentialsElsewhere.text')}{' '}
        <button type="button" onClick={() => go({ name: 'account' })}>
          {t('credentialsElsewhere.action')}
        </button>
      </p>
    )
  }
  if (setupNote === 'savedTokenElsewhere' && page !== 'account') {
    return (
      <p role="status" className="notice notice-warning banner">
        {t('account.notes.savedTokenElsewhere')}
      </p>
    )
  }
  return null
}
