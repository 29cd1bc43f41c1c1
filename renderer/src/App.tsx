import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import { ErrorMessage, RetryableError } from './components/ErrorMessage'
import { useInputActivity } from './components/useInputActivity'
import { useShortcut } from './components/useShortcut'
import { applyLanguage, resolveLanguage } from './i18n'
import {
  useCases,
  useCredentials,
  useDecisions,
  useLock,
  useNavigation,
  useSettings,
  useTeam,
} from './stores/context'
import type { Page } from './stores/navigation-store'
import { AccountView } from './views/AccountView'
import { AddCasesView } from './views/AddCasesView'
import { CaseView } from './views/CaseView'
import { CredentialsNotice } from './views/CredentialsNotice'
import { CaptureView } from './views/capture/CaptureView'
import { DecisionAnnouncement } from './views/DecisionAnnouncement'
import { JournalView, useProblemWords } from './views/JournalView'
import { KeychainProblemView } from './views/KeychainProblemView'
import { LockScreen } from './views/LockScreen'
import { QueueView } from './views/QueueView'
import { SettingsView } from './views/SettingsView'
import { SetupView } from './views/SetupView'
import { TeamBanner } from './views/TeamNotices'

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
  const loadTeam = useTeam((state) => state.load)
  const journal = useDecisions((state) => state.journal)
  const problemWords = useProblemWords()
  const lock = useLock((state) => state.lock)
  const lockLoadError = useLock((state) => state.loadError)
  const lockProblem = useLock((state) => state.problem)
  const loadLock = useLock((state) => state.load)
  const lockNow = useLock((state) => state.lockNow)
  const activity = useLock((state) => state.activity)

  // The settings give the lock screen its language; the officer's work waits for the desk to be open,
  // and is read once: while locked, main holds its changes and sends them when the desk opens.
  useEffect(() => {
    void loadLock()
    void loadSettings()
  }, [loadLock, loadSettings])
  const open = lock?.locked === false
  const workLoaded = useRef(false)
  useEffect(() => {
    if (!open) return
    // At each opening: the credentials may have been set up again at the lock.
    void loadStatus()
    if (workLoaded.current) return
    workLoaded.current = true
    // The case book does not wait for the keychain's answer about the credentials; the journal, read
    // whole by main, waits for the book, so that the queue's first rows never wait for it.
    void loadCases().finally(() => void loadJournal())
    void loadTeam()
  }, [open, loadStatus, loadCases, loadJournal, loadTeam])
  useInputActivity(activity)
  useEffect(() => {
    if (language) applyLanguage(resolveLanguage(language, navigator.languages))
  }, [language])

  // Credentials bound to another Optimizer address still open the officer's work; they are sent nowhere.
  const ready = status?.state === 'ready' || status?.state === 'other_optimizer'
  // Main names whose PIN would open the desk: any environment's credentials lock it, the one in use or not.
  const canLock = open && lock.officer !== ''
  useShortcut('l', () => {
    if (canLock) void lockNow()
  })
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

  if (lockLoadError) {
    return (
      <main id="content">
        <RetryableError error={lockLoadError} onRetry={() => void loadLock()} />
      </main>
    )
  }
  // Until main answers, the shell says it is loading: nothing of the work has been read yet.
  if (lock?.locked) return <LockScreen />
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
        {canLock && (
          <button type="button" onClick={() => void lockNow()} aria-keyshortcuts="Control+L Meta+L">
            {t('lock.lockNow')} <kbd>{t('lock.shortcut')}</kbd>
          </button>
        )}
      </header>
      {lockProblem && <ErrorMessage error={lockProblem} />}
      <CredentialsNotice />
      <TeamBanner />
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
