import { useEffect } from 'react'
import { useTranslation } from 'react-i18next'
import { applyLanguage, resolveLanguage } from './i18n'
import { useSettings } from './stores/context'
import { SettingsView } from './views/SettingsView'

export function App() {
  const { t } = useTranslation()
  const loadSettings = useSettings((state) => state.loadSettings)
  const language = useSettings((state) => state.settings?.language)

  useEffect(() => void loadSettings(), [loadSettings])
  useEffect(() => {
    if (language) applyLanguage(resolveLanguage(language, navigator.languages))
  }, [language])

  return (
    <div className="shell">
      <a className="skip-link" href="#content">
        {t('app.skipToContent')}
      </a>
      <header className="topbar">
        <span className="brand">{t('app.name')}</span>
        <nav aria-label={t('app.navigation')}>
          <ul>
            <li>
              <a href="#content" aria-current="page">
                {t('nav.settings')}
              </a>
            </li>
          </ul>
        </nav>
      </header>
      <main id="content" tabIndex={-1}>
        <SettingsView />
      </main>
    </div>
  )
}
