import { type FormEvent, useEffect, useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { TeamSettings, TeamStatus } from '../../../shared/team'
import { Announcer, ErrorMessage } from '../components/ErrorMessage'
import { useTeam } from '../stores/context'

const ROLE = /^[a-z_][a-z0-9_]{0,62}$/

/** Team mode in the settings: where the team database is, as whom, a connection check, and the team's controls. */
export function TeamPanel() {
  const { t } = useTranslation()
  const status = useTeam((state) => state.status)
  const loadError = useTeam((state) => state.loadError)
  const load = useTeam((state) => state.load)
  useEffect(() => {
    if (!status) void load()
  }, [status, load])
  return (
    <section className="card" aria-labelledby="team-title">
      <h2 id="team-title">{t('team.title')}</h2>
      <p className="muted">{t('team.intro')}</p>
      {loadError ? (
        <ErrorMessage error={loadError} />
      ) : status ? (
        <>
          <TeamForm status={status} />
          {status.enabled && <TeamLink status={status} />}
          {status.enabled && status.settings && (
            <TeamControls settings={status.settings} admin={status.admin} />
          )}
        </>
      ) : (
        <p role="status" className="muted">
          {t('common.loading')}
        </p>
      )}
    </section>
  )
}

function TeamForm({ status }: { status: TeamStatus }) {
  const { t } = useTranslation()
  const saveSetup = useTeam((state) => state.saveSetup)
  const checkConnection = useTeam((state) => state.checkConnection)
  const setup = useTeam((state) => state.setup)
  const check = useTeam((state) => state.check)
  const [enabled, setEnabled] = useState(status.enabled)
  const [url, setUrl] = useState(status.url)
  const [user, setUser] = useState(status.user)
  const [password, setPassword] = useState('')
  const [touched, setTouched] = useState(false)
  const ids = { url: useId(), user: useId(), password: useId(), enabled: useId() }
  // Saved elsewhere (or just now): the fields show what is saved; a password is never shown back.
  useEffect(() => {
    setEnabled(status.enabled)
    setUrl(status.url)
    setUser(status.user)
  }, [status.enabled, status.url, status.user])

  const urlMissing = enabled && !url.trim()
  const userInvalid = (enabled || user !== '') && !ROLE.test(user)
  const samePlace = url.trim() === status.url && user === status.user
  const passwordMissing = enabled && !password && !(samePlace && status.passwordSaved)
  const valid = !urlMissing && !userInvalid && !passwordMissing
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setTouched(true)
    if (!valid || setup.status === 'busy') return
    const saved = await saveSetup({
      enabled,
      url: url.trim(),
      user,
      ...(password ? { password } : {}),
    })
    if (saved) setPassword('')
  }
  const runCheck = () => {
    setTouched(true)
    if (!url.trim() || !ROLE.test(user)) return
    void checkConnection({ url: url.trim(), user, ...(password ? { password } : {}) })
  }
  const error = (shown: boolean, id: string, text: string) =>
    touched && shown ? (
      <p id={id} className="field-error">
        {text}
      </p>
    ) : null
  return (
    <form onSubmit={submit} noValidate aria-busy={setup.status === 'busy'}>
      <div className="field">
        <label className="choice">
          <input
            type="checkbox"
            checked={enabled}
            aria-describedby={ids.enabled}
            onChange={(event) => setEnabled(event.target.checked)}
          />
          {t('team.enabled')}
        </label>
        <p id={ids.enabled} className="hint">
          {t('team.enabledHint')}
        </p>
      </div>
      <div className="field">
        <label htmlFor={ids.url}>{t('team.url')}</label>
        <input
          id={ids.url}
          type="url"
          spellCheck={false}
          autoComplete="off"
          value={url}
          maxLength={2000}
          aria-invalid={touched && urlMissing}
          aria-describedby={`${ids.url}-hint ${ids.url}-error`}
          onChange={(event) => setUrl(event.target.value)}
        />
        <p id={`${ids.url}-hint`} className="hint">
          {t('team.urlHint')}
        </p>
        {error(urlMissing, `${ids.url}-error`, t('validation.required'))}
      </div>
      <div className="field">
        <label htmlFor={ids.user}>{t('team.user')}</label>
        <input
          id={ids.user}
          type="text"
          spellCheck={false}
          autoComplete="username"
          value={user}
          maxLength={63}
          aria-invalid={touched && userInvalid}
          aria-describedby={`${ids.user}-hint ${ids.user}-error`}
          onChange={(event) => setUser(event.target.value.trim())}
        />
        <p id={`${ids.user}-hint`} className="hint">
          {t('team.userHint')}
        </p>
        {error(userInvalid, `${ids.user}-error`, t('team.userInvalid'))}
      </div>
      <div className="field">
        <label htmlFor={ids.password}>{t('team.password')}</label>
        <input
          id={ids.password}
          type="password"
          autoComplete="new-password"
          value={password}
          maxLength={1024}
          aria-invalid={touched && passwordMissing}
          aria-describedby={`${ids.password}-hint ${ids.password}-error`}
          onChange={(event) => setPassword(event.target.value)}
        />
        <p id={`${ids.password}-hint`} className="hint">
          {status.passwordSaved && samePlace ? t('team.passwordSaved') : t('team.passwordHint')}
        </p>
        {error(passwordMissing, `${ids.password}-error`, t('validation.required'))}
      </div>
      <div className="actions">
        <button type="submit" className="primary" disabled={setup.status === 'busy'}>
          {setup.status === 'busy' ? t('settings.saving') : t('team.save')}
        </button>
        <button type="button" disabled={check.status === 'busy'} onClick={runCheck}>
          {t('team.check')}
        </button>
      </div>
      <div aria-live="polite">
        {setup.status === 'done' && <p className="notice notice-ok">{t('team.saved')}</p>}
        {check.status === 'busy' && (
          <p className="progress">
            <span className="spinner" aria-hidden="true" />
            {t('team.checking')}
          </p>
        )}
        {check.status === 'done' && (
          <div className="notice notice-ok">
            <p>
              {t('team.checkOk', { role: check.value.role, version: check.value.serverVersion })}{' '}
              {check.value.tls ? t('team.checkTls') : t('team.checkNoTls')}
            </p>
            {check.value.admin && <p>{t('team.checkAdmin')}</p>}
          </div>
        )}
      </div>
      <Announcer urgent>
        {setup.status === 'failed' && <ErrorMessage error={setup.error} live={false} />}
        {check.status === 'failed' && (
          <ErrorMessage error={check.error} title={t('team.checkFailed')} live={false} />
        )}
      </Announcer>
    </form>
  )
}

/** Whether the desk is connected to the team database, and if not, why and when it tries again. */
function TeamLink({ status }: { status: TeamStatus }) {
  const { t } = useTranslation()
  const { link } = status
  return (
    <div aria-live="polite" className="team-link">
      {link?.online ? (
        <p className="notice notice-ok">{t('team.online', { user: status.user })}</p>
      ) : link?.problem ? (
        <>
          <ErrorMessage error={link.problem} title={t('team.offline')} live={false} />
          {link.retryInMs !== null && (
            <p className="muted">{t('team.retry', { seconds: Math.ceil(link.retryInMs / 1000) })}</p>
          )}
        </>
      ) : (
        <p className="muted">{t('team.connecting')}</p>
      )}
    </div>
  )
}

/** Two-step mode and four eyes for the whole team: shown to all, changed by a team administrator. */
function TeamControls({ settings, admin }: { settings: TeamSettings; admin: boolean }) {
  const { t, i18n } = useTranslation()
  const change = useTeam((state) => state.changeSettings)
  const saving = useTeam((state) => state.settingsChange)
  const [twoStepMode, setTwoStepMode] = useState(settings.twoStepMode)
  const [fourEyes, setFourEyes] = useState(settings.fourEyes)
  useEffect(() => {
    setTwoStepMode(settings.twoStepMode)
    setFourEyes(settings.fourEyes)
  }, [settings.twoStepMode, settings.fourEyes])
  const dirty = twoStepMode !== settings.twoStepMode || fourEyes !== settings.fourEyes
  const hintId = useId()
  return (
    <fieldset className="field team-controls" aria-describedby={hintId}>
      <legend>{t('team.controlsTitle')}</legend>
      <p id={hintId} className="hint">
        {t('team.controlsIntro')}{' '}
        {t('team.controlsChanged', {
          officer: settings.changedBy,
          time: new Date(settings.changedAt).toLocaleString(i18n.language),
        })}{' '}
        {admin ? '' : t('team.adminOnly')}
      </p>
      <label className="choice">
        <input
          type="checkbox"
          checked={twoStepMode}
          disabled={!admin}
          onChange={(event) => setTwoStepMode(event.target.checked)}
        />
        {t('settings.twoStep')}
      </label>
      <label className="choice">
        <input
          type="checkbox"
          checked={fourEyes}
          disabled={!admin}
          onChange={(event) => setFourEyes(event.target.checked)}
        />
        {t('team.fourEyes')}
      </label>
      {admin && (
        <div className="actions">
          <button
            type="button"
            disabled={!dirty || saving.status === 'busy'}
            onClick={() => void change({ twoStepMode, fourEyes })}
          >
            {t('team.saveControls')}
          </button>
          <p role="status" className="muted">
            {saving.status === 'done' && !dirty ? t('team.controlsSaved') : ''}
          </p>
        </div>
      )}
      {saving.status === 'failed' && <ErrorMessage error={saving.error} />}
    </fieldset>
  )
}
