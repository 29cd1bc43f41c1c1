import { useEffect } from 'react'
import { useTranslation } from 'react-i18next'
import { RetryableError } from './components/ErrorMessage'
import { applyLanguage, resolveLanguage } from './i18n'
import { useCases, useCredentials, useDecisions, useNavigation, useSettings } from './stores/context'
import type { Page } from './stores/navigation-store'
import { AccountView } from './views/AccountView'
import { AddCasesView } from './views/AddCasesView'
import { CaseView } from './views/CaseView'
import { CredentialsNotice } from './views/CredentialsNotice'
import { CaptureView } from './views/capture/CaptureView'
import { DecisionAnnouncement } from './views/DecisionAnnouncement'
import { JournalView, useProblemWords } from './views/JournalView'
import { KeychainProblemView } from './views/KeychainProblemView'
import { QueueView } from './views/QueueView'
import { SettingsView } from './views/SettingsView'
import { SetupView } from './views/SetupView'

export function App() {
  const { t } = useTranslation()
  const loadSettings = useSettings((state) => state.loadSettings)
  const language = useSettings((state) => state.settings?.language)
  const status = useCredentials((state) => state.status)
  const loadStatus = useCredentials((state) => state.loadStatus)
  const page = useNavigation((state) => state.page)
  const go = useNavigation((state) => state.go)
  const loadCases = useCases((state) => state.ensureLoaded)
  const loadJournal = useDecisions((state) => state.loadJournal)
  const journal = useDecisions((state) => state.journal)
  const problemWords = useProblemWords()

  // All at once: the case book does not wait for the keychain's answer about the credentials.
  useEffect(() => {
    void loadSettings()
    void loadStatus()
    void loadCases()
    void loadJournal()
  }, [loadSettings, loadStatus, loadCases, loadJournal])
  useEffect(() => {
    if (language) applyLanguage(resolveLanguage(language, navigator.languages))
  }, [language])

  // Credentials bound to another Optimizer address still open the officer's work; they are sent nowhere.
  const ready = status?.state === 'ready' || status?.state === 'other_optimizer'
  // The work comes first; credentials and settings are a step aside.
  const links: { page: Page; label: string; current: boolean }[] = [
    ...(ready
      ? [
          {
            page: { name: 'queue' } as Page,
            label: t('nav.queue'),
            current: ['queue', 'case'].includes(page.name),
          },
          { page: { name: 'add' } as Page, label: t('nav.add'), current: page.name === 'add' },
          { page: { name: 'journal' } as Page, label: t('nav.journal'), current: page.name === 'journal' },
          { page: { name: 'account' } as Page, label: t('nav.account'), current: page.name === 'account' },
        ]
      : [{ page: { name: 'queue' } as Page, label: t('nav.setup'), current: page.name !== 'settings' }]),
    { page: { name: 'settings' }, label: t('nav.settings'), current: page.name === 'settings' },
  ]

  return (
    <div className="shell">
      <a className="skip-link" href="#content">
        {t('app.skipToContent')}
      </a>
      <header className="topbar">
        <span className="brand">{t('app.name')}</span>
        <nav aria-label={t('app.navigation')}>
          <ul>
            {links.map((link) => (
              <li key={link.page.name}>
                <button
                  type="button"
                  className="nav-link"
                  aria-current={link.current ? 'page' : undefined}
                  onClick={() => go(link.page)}
                >
                  {link.label}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        {ready && (
          <span className="who" title={status.username}>
            {status.username} · {t(`environment.${status.environment}`)}
          </span>
        )}
      </header>
      <CredentialsNotice />
      {journal && 'integrity' in journal && journal.integrity.state === 'problems' && (
        <p className="notice notice-error banner" role="alert">
          {t('journal.chainBroken', { problem: problemWords(journal.integrity) })}
        </p>
      )}
      <DecisionAnnouncement />
      <main id="content" tabIndex={-1}>
        {page.name === 'settings' ? <SettingsView /> : <Home page={page} />}
      </main>
    </div>
  )
}

/** The start screen follows the credentials: set-up, a keychain problem, or the officer's work. */
function Home({ page }: { page: Page }) {
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
  if (status.state !== 'ready' && status.state !== 'other_optimizer') return <SetupView />
  if (page.name === 'case') return <CaseView key={page.videoidPk} videoidPk={page.videoidPk} />
  if (page.name === 'capture') return <CaptureView key={page.videoidPk} videoidPk={page.videoidPk} />
  if (page.name === 'journal') return <JournalView />
  if (page.name === 'add') return <AddCasesView />
  if (page.name === 'account') return <AccountView />
  return <QueueView />
}
