import { type FormEvent, useEffect, useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import {
  type Environment,
  isAcceptableOptimizerUrl,
  type LanguagePreference,
  SANDBOX_OPTIMIZER_URL,
  type Settings,
  settingsSchema,
} from '../../../shared/settings'
import { ErrorMessage, RetryableError } from '../components/ErrorMessage'
import { useShortcut } from '../components/useShortcut'
import { useSettings } from '../stores/context'

export function SettingsView() {
  const { t } = useTranslation()
  const settings = useSettings((state) => state.settings)
  const load = useSettings((state) => state.load)
  const loadSettings = useSettings((state) => state.loadSettings)

  if (load.status === 'failed') {
    return (
      <section aria-labelledby="settings-title">
        <h1 id="settings-title">{t('settings.title')}</h1>
        <RetryableError
          error={load.error}
          title={t('settings.loadFailed')}
          onRetry={() => void loadSettings()}
        />
      </section>
    )
  }
  if (!settings) {
    return (
      <section aria-labelledby="settings-title" aria-busy="true">
        <h1 id="settings-title">{t('settings.title')}</h1>
        <p role="status" className="muted">
          {t('common.loading')}
        </p>
      </section>
    )
  }
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">{t('settings.title')}</h1>
      <p className="muted">{t('settings.intro')}</p>
      <SettingsForm saved={settings} />
      <ConnectionPanel savedUrl={settings.optimizerUrl} />
    </section>
  )
}

function SettingsForm({ saved }: { saved: Settings }) {
  const { t } = useTranslation()
  const save = useSettings((state) => state.save)
  const saveSettings = useSettings((state) => state.saveSettings)
  const [draft, setDraft] = useState(saved)
  const [touched, setTouched] = useState(false)
  const [intervalText, setIntervalText] = useState(String(saved.syncIntervalSeconds))
  const ids = { url: useId(), urlHint: useId(), urlError: useId(), language: useId(), interval: useId() }

  // A save elsewhere (or the first load) replaces the draft.
  useEffect(() => {
    setDraft(saved)
    setIntervalText(String(saved.syncIntervalSeconds))
  }, [saved])

  const urlValid = isAcceptableOptimizerUrl(draft.optimizerUrl.trim())
  const intervalValid =
    /^\d+$/.test(intervalText.trim()) &&
    settingsSchema.shape.syncIntervalSeconds.safeParse(Number(intervalText)).success
  const dirty = (Object.keys(saved) as (keyof Settings)[]).some((key) => draft[key] !== saved[key])
  const update = (patch: Partial<Settings>) => setDraft((current) => ({ ...current, ...patch }))

  const submit = async (event?: FormEvent) => {
    event?.preventDefault()
    setTouched(true)
    if (!urlValid || !intervalValid || save.status === 'saving') return
    await saveSettings({ ...draft, optimizerUrl: draft.optimizerUrl.trim() })
  }
  useShortcut('s', () => void submit())

  const showUrlError = touched && !urlValid
  return (
    <form className="card" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor={ids.url}>{t('settings.optimizerUrl')}</label>
        <input
          id={ids.url}
          type="url"
          inputMode="url"
          spellCheck={false}
          autoComplete="off"
          value={draft.optimizerUrl}
          aria-invalid={showUrlError}
          aria-describedby={showUrlError ? `${ids.urlError} ${ids.urlHint}` : ids.urlHint}
          onChange={(event) => update({ optimizerUrl: event.target.value })}
          onBlur={() => setTouched(true)}
        />
        <p id={ids.urlHint} className="hint">
          {t('settings.optimizerUrlHint')}{' '}
          <button
            type="button"
            className="link"
            onClick={() => update({ optimizerUrl: SANDBOX_OPTIMIZER_URL })}
          >
            {t('settings.useSandbox')}
          </button>
        </p>
        {showUrlError && (
          <p id={ids.urlError} className="field-error">
            {t('settings.optimizerUrlInvalid')}
          </p>
        )}
      </div>

      <fieldset className="field">
        <legend>{t('settings.environment')}</legend>
        {(['sandbox', 'prod'] as const satisfies readonly Environment[]).map((environment) => (
          <label key={environment} className="choice">
            <input
              type="radio"
              name="environment"
              value={environment}
              checked={draft.environment === environment}
              onChange={() => update({ environment })}
            />
            {environment === 'sandbox' ? t('settings.environmentSandbox') : t('settings.environmentProd')}
          </label>
        ))}
      </fieldset>

      <div className="field">
        <label htmlFor={ids.language}>{t('settings.language')}</label>
        <select
          id={ids.language}
          value={draft.language}
          onChange={(event) => update({ language: event.target.value as LanguagePreference })}
        >
          <option value="system">{t('settings.languageSystem')}</option>
          <option value="es">{t('settings.languageEs')}</option>
          <option value="en">{t('settings.languageEn')}</option>
        </select>
      </div>

      <div className="field">
        <label htmlFor={ids.interval}>{t('settings.syncInterval')}</label>
        <input
          id={ids.interval}
          type="number"
          inputMode="numeric"
          min={10}
          max={3600}
          step={1}
          value={intervalText}
          aria-invalid={!intervalValid}
          aria-describedby={`${ids.interval}-hint`}
          onChange={(event) => {
            setIntervalText(event.target.value)
            const seconds = Number(event.target.value)
            if (Number.isInteger(seconds)) update({ syncIntervalSeconds: seconds })
          }}
        />
        <p id={`${ids.interval}-hint`} className={intervalValid ? 'hint' : 'field-error'}>
          {intervalValid ? t('settings.syncIntervalHint') : t('settings.syncIntervalInvalid')}
        </p>
      </div>

      <div className="field">
        <label className="choice">
          <input
            type="checkbox"
            checked={draft.twoStepMode}
            aria-describedby={`${ids.interval}-two-step`}
            onChange={(event) => update({ twoStepMode: event.target.checked })}
          />
          {t('settings.twoStep')}
        </label>
        <p id={`${ids.interval}-two-step`} className="hint">
          {t('settings.twoStepHint')}
        </p>
      </div>

      <div className="actions">
        <button type="submit" className="primary" disabled={save.status === 'saving'}>
          {save.status === 'saving' ? t('settings.saving') : t('settings.save')}
        </button>
        <kbd className="shortcut">{t('settings.saveShortcut')}</kbd>
        <p role="status" className="muted">
          {dirty ? t('settings.unsaved') : save.status === 'saved' ? t('settings.saved') : ''}
        </p>
      </div>
      {save.status === 'failed' && <ErrorMessage error={save.error} />}
    </form>
  )
}

function ConnectionPanel({ savedUrl }: { savedUrl: string }) {
  const { t } = useTranslation()
  const connection = useSettings((state) => state.connection)
  const checkConnection = useSettings((state) => state.checkConnection)
  const checking = connection.status === 'checking'
  return (
    <section className="card" aria-labelledby="connection-title" aria-busy={checking}>
      <h2 id="connection-title">{t('connection.title')}</h2>
      <p className="muted">{t('connection.checksSaved', { url: savedUrl })}</p>
      <div className="actions">
        <button type="button" onClick={() => void checkConnection()} disabled={checking}>
          {t('connection.check')}
        </button>
      </div>
      <div aria-live="polite">
        {checking && (
          <p role="status" className="progress">
            <span className="spinner" aria-hidden="true" />
            {t('connection.checking')}
          </p>
        )}
        {connection.status === 'ok' && (
          <p role="status" className="notice notice-ok">
            {t('connection.ok', { name: connection.info.name, version: connection.info.version })}
          </p>
        )}
      </div>
      {connection.status === 'failed' && (
        <ErrorMessage error={connection.error} title={t('connection.failed')} />
      )}
    </section>
  )
}
