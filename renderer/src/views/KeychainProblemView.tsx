import { useTranslation } from 'react-i18next'
import type { AppErrorShape } from '../../../shared/errors'
import { ErrorMessage } from '../components/ErrorMessage'
import { useCredentials } from '../stores/context'

/** The keychain cannot be used: say why and how to fix it; never offer to store anything elsewhere. */
export function KeychainProblemView({ problem }: { problem: AppErrorShape }) {
  const { t } = useTranslation()
  const loadStatus = useCredentials((state) => state.loadStatus)
  return (
    <section aria-labelledby="keychain-title">
      <h1 id="keychain-title">{t('keychain.title')}</h1>
      <ErrorMessage error={problem} />
      <p className="muted">{t('keychain.noFallback')}</p>
      <button type="button" className="primary" onClick={() => void loadStatus()}>
        {t('common.retry')}
      </button>
    </section>
  )
}
