import { type FormEvent, useEffect, useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { z } from 'zod'
import {
  addressWarnings,
  type Environment,
  isAcceptableOptimizerUrl,
  type LanguagePreference,
  SANDBOX_OPTIMIZER_URL,
  type Settings,
  settingsSchema,
  withApiPath,
} from '../../../shared/settings'
import { Announcer, ErrorMessage, RetryableError } from '../components/ErrorMessage'
import { focusOnArrival } from '../components/focus'
import { formatSize } from '../components/format'
import { useShortcut } from '../components/useShortcut'
import { useMedia, useSettings } from '../stores/context'
import { useTeamOn } from './TeamNotices'
import { TeamPanel } from './TeamPanel'

export function SettingsView() {
  const { t } = useTranslation()
  const settings = useSettings((state) => state.settings)
  const load = useSettings((state) => state.load)
  const loadSettings = useSettings((state) => state.loadSettings)

  if (load.status === 'failed') {
    return (
      <section aria-labelledby="settings-title">
        <h1 id="settings-title" tabIndex={-1} ref={focusOnArrival}>
          {t('settings.title')}
        </h1>
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
        <h1 id="settings-title" tabIndex={-1} ref={focusOnArrival}>
          {t('settings.title')}
        </h1>
        <p role="status" className="muted">
          {t('common.loading')}
        </p>
      </section>
    )
  }
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title" tabIndex={-1} ref={focusOnArrival}>
        {t('settings.title')}
      </h1>
      <p className="muted">{t('settings.intro')}</p>
      <SettingsForm saved={settings} />
      <ConnectionPanel savedUrl={settings.optimizerUrl} />
      <TeamPanel />
      <VideoCachePanel retentionDays={settings.videoRetentionDays} />
    </section>
  )
}

function SettingsForm({ saved }: { saved: Settings }) {
  const { t } = useTranslation()
  const save = useSettings((state) => state.save)
  const saveSettings = useSettings((state) => state.saveSettings)
  const teamOn = useTeamOn()
  const [draft, setDraft] = useState(saved)
  const [touched, setTouched] = useState(false)
  const [badNumbers, setBadNumbers] = useState<ReadonlySet<string>>(new Set())
  const ids = {
    url: useId(),
    urlHint: useId(),
    urlError: useId(),
    language: useId(),
    reasonLanguage: useId(),
  }

  // A save elsewhere (or the first load) replaces the draft.
  useEffect(() => setDraft(saved), [saved])
  const numberField = (
    key: 'syncIntervalSeconds' | 'videoRetentionDays' | 'settleWindowMinutes' | 'idleLockMinutes',
  ) => ({
    value: draft[key],
    schema: settingsSchema.shape[key],
    onChange: (value: number | null) => {
      if (value !== null) update({ [key]: value })
      setBadNumbers((current) => {
        const next = new Set(current)
        if (value === null) next.add(key)
        else next.delete(key)
        return next
      })
    },
  })

  const urlValid = isAcceptableOptimizerUrl(draft.optimizerUrl.trim())
  const documentsValid = (['privacyPolicyUrl', 'termsUrl'] as const).every(
    (key) => settingsSchema.shape[key].safeParse(draft[key]).success,
  )
  const dirty = (Object.keys(saved) as (keyof Settings)[]).some((key) => draft[key] !== saved[key])
  const update = (patch: Partial<Settings>) => setDraft((current) => ({ ...current, ...patch }))

  const submit = async (event?: FormEvent) => {
    event?.preventDefault()
    setTouched(true)
    if (!urlValid || !documentsValid || badNumbers.size || save.status === 'saving') return
    await saveSettings({
      ...draft,
      optimizerUrl: draft.optimizerUrl.trim(),
      privacyPolicyUrl: draft.privacyPolicyUrl.trim(),
      termsUrl: draft.termsUrl.trim(),
    })
  }
  useShortcut('s', () => void submit())

  const showUrlError = touched && !urlValid
  const warnings = addressWarnings(draft.optimizerUrl.trim(), draft.environment)
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
        <div aria-live="polite">
          {warnings.includes('no_api_path') && (
            <p className="notice notice-warning">
              {t('settings.noApiPath')}{' '}
              <button
                type="button"
                className="link"
                onClick={() => update({ optimizerUrl: withApiPath(draft.optimizerUrl) })}
              >
                {t('settings.addApiPath')}
              </button>
            </p>
          )}
          {warnings.includes('sandbox_for_prod') && (
            <p className="notice notice-warning">{t('settings.sandboxForProd')}</p>
          )}
        </div>
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

      <WholeNumberField
        label={t('settings.syncInterval')}
        hint={t('settings.syncIntervalHint')}
        invalid={t('settings.syncIntervalInvalid')}
        {...numberField('syncIntervalSeconds')}
      />
      <WholeNumberField
        label={t('settings.retention')}
        hint={t('settings.retentionHint')}
        invalid={t('settings.retentionInvalid')}
        {...numberField('videoRetentionDays')}
      />
      <Toggle
        label={t('settings.prefetch')}
        hint={t('settings.prefetchHint')}
        checked={draft.prefetchNextVideo}
        onChange={(prefetchNextVideo) => update({ prefetchNextVideo })}
      />

      {teamOn && <p className="notice notice-warning">{t('team.localReplaced')}</p>}
      <Toggle
        label={t('settings.twoStep')}
        hint={t('settings.twoStepHint')}
        checked={draft.twoStepMode}
        onChange={(twoStepMode) => update({ twoStepMode })}
      />
      <Toggle
        label={t('settings.fourEyes')}
        hint={t('settings.fourEyesHint')}
        checked={draft.fourEyes}
        onChange={(fourEyes) => update({ fourEyes })}
      />
      <Toggle
        label={t('settings.openNext')}
        checked={draft.openNextAfterDecision}
        onChange={(openNextAfterDecision) => update({ openNextAfterDecision })}
      />
      <WholeNumberField
        label={t('settings.settleWindow')}
        hint={t('settings.settleWindowHint')}
        invalid={t('settings.settleWindowInvalid')}
        {...numberField('settleWindowMinutes')}
      />
      <WholeNumberField
        label={t('settings.idleLock')}
        hint={t('settings.idleLockHint')}
        invalid={t('settings.idleLockInvalid')}
        {...numberField('idleLockMinutes')}
      />
      <div className="field">
        <label htmlFor={ids.reasonLanguage}>{t('settings.reasonLanguage')}</label>
        <select
          id={ids.reasonLanguage}
          value={draft.reasonLanguage}
          onChange={(event) => update({ reasonLanguage: event.target.value as Settings['reasonLanguage'] })}
        >
          <option value="ui">{t('settings.reasonLanguageUi')}</option>
          <option value="es">{t('settings.languageEs')}</option>
          <option value="en">{t('settings.languageEn')}</option>
        </select>
      </div>

      <fieldset className="field">
        <legend>{t('settings.captureTitle')}</legend>
        <p className="hint">{t('settings.captureIntro')}</p>
        <DocumentUrlField
          label={t('settings.privacyPolicyUrl')}
          value={draft.privacyPolicyUrl}
          touched={touched}
          onChange={(privacyPolicyUrl) => update({ privacyPolicyUrl })}
        />
        <DocumentUrlField
          label={t('settings.termsUrl')}
          value={draft.termsUrl}
          touched={touched}
          onChange={(termsUrl) => update({ termsUrl })}
        />
      </fieldset>

      <div className="actions">
        <button type="submit" className="primary" disabled={save.status === 'saving'}>
          {save.status === 'saving' ? t('settings.saving') : t('settings.save')}
        </button>
        <kbd className="shortcut">{t('settings.saveShortcut')}</kbd>
        <p role="status" className="muted">
          {dirty ? t('settings.unsaved') : save.status === 'saved' ? t('settings.saved') : ''}
        </p>
      </div>
      <Announcer urgent>
        {save.status === 'failed' && <ErrorMessage error={save.error} live={false} />}
      </Announcer>
    </form>
  )
}

function ConnectionPanel({ savedUrl }: { savedUrl: string }) {
  const { t } = useTranslation()
  const connection = useSettings((state) => state.connection)
  const checkConnection = useSettings((state) => state.checkConnection)
  const cancelConnectionCheck = useSettings((state) => state.cancelConnectionCheck)
  const checking = connection.status === 'checking'
  return (
    <section className="card" aria-labelledby="connection-title" aria-busy={checking}>
      <h2 id="connection-title">{t('connection.title')}</h2>
      <p className="muted">{t('connection.checksSaved', { url: savedUrl })}</p>
      <div className="actions">
        <button type="button" onClick={() => void checkConnection()} disabled={checking}>
          {t('connection.check')}
        </button>
        {checking && (
          <button type="button" onClick={() => void cancelConnectionCheck()}>
            {t('connection.cancel')}
          </button>
        )}
      </div>
      <div aria-live="polite">
        {checking && (
          <p role="status" className="progress">
            <span className="spinner" aria-hidden="true" />
            {t('connection.checking')}
          </p>
        )}
        {connection.status === 'cancelled' && (
          <p role="status" className="muted">
            {t('connection.cancelled')}
          </p>
        )}
        {connection.status === 'ok' && (
          <p role="status" className="notice notice-ok">
            {t('connection.ok', { name: connection.info.name, version: connection.info.version })}
          </p>
        )}
      </div>
      <Announcer urgent>
        {connection.status === 'failed' && (
          <ErrorMessage error={connection.error} title={t('connection.failed')} live={false} />
        )}
      </Announcer>
    </section>
  )
}

/** The address of a document the signer accepts: https, or none yet. */
function DocumentUrlField({
  label,
  value,
  touched,
  onChange,
}: {
  label: string
  value: string
  touched: boolean
  onChange: (value: string) => void
}) {
  const { t } = useTranslation()
  const id = useId()
  const [left, setLeft] = useState(false)
  const invalid = (touched || left) && !settingsSchema.shape.termsUrl.safeParse(value).success
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="url"
        inputMode="url"
        spellCheck={false}
        autoComplete="off"
        maxLength={2048}
        value={value}
        aria-invalid={invalid}
        aria-describedby={`${id}-hint`}
        onChange={(event) => onChange(event.target.value)}
        onBlur={() => setLeft(true)}
      />
      <p id={`${id}-hint`} className={invalid ? 'field-error' : 'hint'}>
        {invalid ? t('validation.https_url') : t('settings.documentUrlHint')}
      </p>
    </div>
  )
}

/** A whole number between the schema's bounds; tells the form the number, or null while it is not valid. */
function WholeNumberField({
  label,
  hint,
  invalid,
  value,
  schema,
  onChange,
}: {
  label: string
  hint: string
  invalid: string
  value: number
  schema: z.ZodType<number>
  onChange: (value: number | null) => void
}) {
  const id = useId()
  const [text, setText] = useState(String(value))
  useEffect(() => setText(String(value)), [value])
  const valid = /^\d+$/.test(text.trim()) && schema.safeParse(Number(text)).success
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        step={1}
        value={text}
        aria-invalid={!valid}
        aria-describedby={`${id}-hint`}
        onChange={(event) => {
          setText(event.target.value)
          const number = Number(event.target.value)
          onChange(
            /^\d+$/.test(event.target.value.trim()) && schema.safeParse(number).success ? number : null,
          )
        }}
      />
      <p id={`${id}-hint`} className={valid ? 'hint' : 'field-error'}>
        {valid ? hint : invalid}
      </p>
    </div>
  )
}

/** How much room the cases' videos take, the way to free it, and what is kept how long. */
function VideoCachePanel({ retentionDays }: { retentionDays: number }) {
  const { t } = useTranslation()
  const cache = useMedia((state) => state.cache)
  const loadCache = useMedia((state) => state.loadCache)
  const clearCache = useMedia((state) => state.clearCache)
  const [busy, setBusy] = useState(false)
  const [freed, setFreed] = useState<number | null>(null)
  useEffect(() => {
    void loadCache()
  }, [loadCache])
  return (
    <section className="card" aria-labelledby="cache-title">
      <h2 id="cache-title">{t('settings.cacheTitle')}</h2>
      <p>{t('settings.retentionSaid', { days: retentionDays })}</p>
      <p>{t('settings.journalKept')}</p>
      {cache && 'error' in cache ? (
        <ErrorMessage error={cache.error} />
      ) : (
        <p className="muted">
          {cache
            ? t('settings.cacheSize', { videos: cache.videos, size: formatSize(cache.bytes) })
            : t('common.loading')}
        </p>
      )}
      <button
        type="button"
        disabled={busy}
        onClick={async () => {
          setBusy(true)
          setFreed(await clearCache())
          setBusy(false)
        }}
      >
        {t('settings.clearCache')}
      </button>
      <p role="status" className="muted">
        {freed === null ? '' : t('settings.cleared', { size: formatSize(freed) })}
      </p>
    </section>
  )
}

/** A setting that is on or off, with what it does. */
function Toggle({
  label,
  hint,
  checked,
  onChange,
}: {
  label: string
  hint?: string
  checked: boolean
  onChange: (checked: boolean) => void
}) {
  const id = useId()
  return (
    <div className="field">
      <label className="choice">
        <input
          type="checkbox"
          checked={checked}
          {...(hint ? { 'aria-describedby': id } : {})}
          onChange={(event) => onChange(event.target.checked)}
        />
        {label}
      </label>
      {hint && (
        <p id={id} className="hint">
          {hint}
        </p>
      )}
    </div>
  )
}
