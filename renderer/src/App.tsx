import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { RetryableError } from './components/ErrorMessage'
import { applyLanguage, resolveLanguage } from './i18n'
import { useCredentials, useSettings } from './stores/context'
import { AccountView } from './views/AccountView'
import { KeychainProblemView } from './views/KeychainProblemView'
import { SettingsView } from './views/SettingsView'
import { SetupView } from './views/SetupView'

type Page = 'home' | 'settings'

export function App() {
  const { t } = useTranslation()
  const loadSettings = useSettings((state) => state.loadSettings)
  const language = useSettings((state) => state.settings?.language)
  const status = useCredentials((state) => state.status)
  const loadStatus = useCredentials((state) => state.loadStatus)
  const [page, setPage] = useState<Page>('home')

  useEffect(() => {
    void loadSettings()
    void loadStatus()
  }, [loadSettings, loadStatus])
  useEffect(() => {
    if (language) applyLanguage(resolveLanguage(language, navigator.languages))
  }, [language])

  const ready = status?.state === 'ready'
  const homeLabel = ready ? t('nav.account') : t('nav.setup')

  return (
    <div className="shell">
      <a className="skip-link" href="#content">
        {t('app.skipToContent')}
      </a>
      <header className="topbar">
        <span className="brand">{t('app.name')}</span>
        <nav aria-label={t('app.navigation')}>
          <ul>
            {(['home', 'settings'] as const).map((target) => (
              <li key={target}>
                <button
                  type="button"
                  className="nav-link"
                  aria-current={page === target ? 'page' : undefined}
                  onClick={() => setPage(target)}
                >
                  {target === 'home' ? homeLabel : t('nav.settings')}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        {ready && (
          <span className="who">
            {status.username} · {t(`environment.${status.environment}`)}
          </span>
        )}
      </header>
      <main id="content" tabIndex={-1}>
        {page === 'settings' ? <SettingsView /> : <Home />}
      </main>
    </div>
  )
}

/** The start screen follows the credentials: set-up, a keychain problem, or the officer's work. */
function Home() {
  const { t } = useTranslation()
  const status = useCredentials((state) => state.status)
  const loadError = useCredentials((state) => state.loadError)
  const loadStatus = useCredentials((state) => state.loadStatus)
  if (loadError) {
    return (
      <section>
        <RetryableError error={loadError} onRetry={() => void loadStatus()} />
      </section>
    )
  }
  if (!status) {
    return (
      <p role="status" className="muted" aria-busy="true">
        {t('common.loading')}
      </p>
    )
  }
  if (status.state === 'keychain_problem' && status.problem)
    return <KeychainProblemView problem={status.problem} />
  if (status.state === 'ready') return <AccountView />
  return <SetupView />
}
