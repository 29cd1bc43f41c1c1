import { type FormEvent, useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { credentialsPatchSchema, reenteredCredentialsSchema } from '../../../shared/credentials'
import { CredentialField } from '../components/CredentialFields'
import { Announcer, ErrorMessage } from '../components/ErrorMessage'
import { focusOnArrival } from '../components/focus'
import { useCheckedForm } from '../components/useCheckedForm'
import { useCredentials, useSettings } from '../stores/context'
import type { CredentialAction } from '../stores/credentials-store'

/**
 * Who the officer is, and everything they can do with their stored credentials. Credentials checked
 * with another Optimizer address are used nowhere until the password and PIN are entered again here.
 */
export function AccountView() {
  const { t } = useTranslation()
  const status = useCredentials((state) => state.status)
  if (status?.state !== 'ready' && status?.state !== 'other_optimizer') return null
  const elsewhere = status.state === 'other_optimizer'
  return (
    <section aria-labelledby="account-title">
      <h1 id="account-title" tabIndex={-1} ref={focusOnArrival}>
        {t('account.title')}
      </h1>
      <dl className="card summary">
        <dt>{t('credentials.username')}</dt>
        <dd>{status.username}</dd>
        <dt>{t('credentials.rao')}</dt>
        <dd>{status.rao}</dd>
        <dt>{t('account.environment')}</dt>
        <dd>{t(`environment.${status.environment}`)}</dd>
        <dt>{t('account.mode')}</dt>
        <dd>{status.mode === 'token' ? t('account.modeToken') : t('account.modeCredentials')}</dd>
        <dt>{t('account.optimizer')}</dt>
        <dd>{status.optimizer}</dd>
      </dl>
      {/* Stays in the page as the form goes: entering them again is said here whichever way it went. */}
      <Outcome action="reenter" />
      {elsewhere && <ReenterPanel />}
      <VerifyPanel />
      {!elsewhere && <ChangePanel />}
      {!elsewhere && <TokenPanel mode={status.mode ?? 'credentials'} />}
      <ForgetPanel />
    </section>
  )
}

function Outcome({ action, success }: { action: CredentialAction; success?: string }) {
  const { t } = useTranslation()
  const outcome = useCredentials((state) => state.outcome)
  const mine = outcome?.action === action ? outcome : null
  const text = mine?.ok ? (mine.note ? t(`account.notes.${mine.note}`) : success) : undefined
  return (
    <Announcer urgent={mine?.ok === false}>
      {mine && !mine.ok && <ErrorMessage error={mine.error} live={false} />}
      {text && <p className="notice notice-ok">{text}</p>}
    </Announcer>
  )
}

function Busy({ action }: { action: CredentialAction }) {
  const { t } = useTranslation()
  const busy = useCredentials((state) => state.busy)
  return busy === action ? (
    <p role="status" className="progress">
      <span className="spinner" aria-hidden="true" />
      {t('account.working')}
    </p>
  ) : null
}

function VerifyPanel() {
  const { t } = useTranslation()
  const busy = useCredentials((state) => state.busy)
  const verify = useCredentials((state) => state.verify)
  return (
    <section className="card" aria-labelledby="verify-title">
      <h2 id="verify-title">{t('account.verifyTitle')}</h2>
      <p className="muted">{t('account.verifyIntro')}</p>
      <button type="button" onClick={() => void verify()} disabled={busy !== null}>
        {t('account.verify')}
      </button>
      <Busy action="verify" />
      <Outcome action="verify" />
    </section>
  )
}

const blank = { password: '', pin: '', billingPassword: '' }

function ChangePanel() {
  const { t } = useTranslation()
  const hasBilling = useCredentials((state) => Boolean(state.status?.billingUsername))
  const busy = useCredentials((state) => state.busy)
  const update = useCredentials((state) => state.update)
  const { bind, check, clear, error } = useCheckedForm(blank, credentialsPatchSchema)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const patch = check(event.currentTarget as HTMLFormElement)
    if (!patch) return
    clear(['password', 'pin', 'billingPassword'])
    await update(patch)
  }
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="change-title">
      <h2 id="change-title">{t('account.changeTitle')}</h2>
      <p className="muted">{t('account.changeIntro')}</p>
      <CredentialField name="password" label={t('account.newPassword')} {...bind('password')} />
      <CredentialField name="pin" label={t('account.newPin')} {...bind('pin')} />
      {/* A billing password to change only where a billing account was set. */}
      {hasBilling && (
        <CredentialField
          name="billingPassword"
          label={t('account.newBillingPassword')}
          {...bind('billingPassword')}
        />
      )}
      {error('form') && <p className="field-error">{error('form')}</p>}
      <div className="actions">
        <button type="submit" disabled={busy !== null}>
          {t('account.change')}
        </button>
      </div>
      <Busy action="update" />
      <Outcome action="update" success={t('account.changed')} />
    </form>
  )
}

const reentered = { password: '', pin: '', billingPassword: '' }

/** The password and PIN (and billing password, where one is kept) once more, for the address in use. */
function ReenterPanel() {
  const { t } = useTranslation()
  const status = useCredentials((state) => state.status)
  const busy = useCredentials((state) => state.busy)
  const reenter = useCredentials((state) => state.reenter)
  const current = useSettings((state) => state.settings?.optimizerUrl)
  const { bind, check, clear } = useCheckedForm(reentered, reenteredCredentialsSchema)
  if (!status?.username || !status.rao) return null
  const { username, rao, billingUsername } = status

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const given = check(event.currentTarget as HTMLFormElement)
    if (!given?.password || !given.pin) return
    clear(['password', 'pin', 'billingPassword'])
    await reenter({
      username,
      rao,
      password: given.password,
      pin: given.pin,
      ...(billingUsername && given.billingPassword
        ? { billingUsername, billingPassword: given.billingPassword }
        : {}),
    })
  }
  return (
    <form
      className="card"
      onSubmit={submit}
      noValidate
      aria-labelledby="reenter-title"
      aria-busy={busy === 'reenter'}
    >
      <h2 id="reenter-title">{t('account.reenterTitle')}</h2>
      <p className="muted">
        {t('account.reenterIntro', { bound: status.optimizer ?? '', current: current ?? '' })}
      </p>
      <CredentialField name="password" {...bind('password')} />
      <CredentialField name="pin" {...bind('pin')} />
      {billingUsername && (
        <CredentialField
          name="billingPassword"
          hint={t('account.reenterBillingHint')}
          {...bind('billingPassword')}
        />
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy !== null}>
          {t('account.reenter')}
        </button>
      </div>
      <Busy action="reenter" />
    </form>
  )
}

function TokenPanel({ mode }: { mode: 'credentials' | 'token' }) {
  const { t } = useTranslation()
  const busy = useCredentials((state) => state.busy)
  const tokenInfo = useCredentials((state) => state.tokenInfo)
  const createToken = useCredentials((state) => state.createToken)
  const loadTokenInfo = useCredentials((state) => state.loadTokenInfo)
  const revokeToken = useCredentials((state) => state.revokeToken)
  return (
    <section className="card" aria-labelledby="token-title">
      <h2 id="token-title">{t('account.tokenTitle')}</h2>
      <p className="muted">{mode === 'token' ? t('account.tokenInUse') : t('account.tokenIntro')}</p>
      <div className="actions">
        {mode === 'token' ? (
          <>
            <button type="button" onClick={() => void loadTokenInfo()} disabled={busy !== null}>
              {t('account.tokenShow')}
            </button>
            <button type="button" onClick={() => void revokeToken()} disabled={busy !== null}>
              {t('account.tokenRevoke')}
            </button>
          </>
        ) : (
          <button type="button" onClick={() => void createToken()} disabled={busy !== null}>
            {t('account.tokenCreate')}
          </button>
        )}
      </div>
      {mode === 'token' && tokenInfo && (
        <p role="status" className="notice notice-ok">
          {t('account.tokenHolds', {
            username: tokenInfo.username,
            password: tokenInfo.hasPassword ? t('account.yes') : t('account.no'),
            pin: tokenInfo.hasPin ? t('account.yes') : t('account.no'),
          })}
        </p>
      )}
      {(['createToken', 'tokenInfo', 'revokeToken'] as const).map((action) => (
        <div key={action}>
          <Busy action={action} />
          <Outcome action={action} />
        </div>
      ))}
    </section>
  )
}

function ForgetPanel() {
  const { t } = useTranslation()
  const busy = useCredentials((state) => state.busy)
  const forget = useCredentials((state) => state.forget)
  const [confirming, setConfirming] = useState(false)
  const cancel = useRef<HTMLButtonElement>(null)
  // Keyboard first: asking for confirmation puts the focus on the safe answer.
  useEffect(() => {
    if (confirming) cancel.current?.focus()
  }, [confirming])
  return (
    <section className="card" aria-labelledby="forget-title">
      <h2 id="forget-title">{t('account.forgetTitle')}</h2>
      <p className="muted">{t('account.forgetIntro')}</p>
      {confirming ? (
        <div className="actions">
          <span>{t('account.forgetConfirm')}</span>
          <button type="button" className="danger" onClick={() => void forget()} disabled={busy !== null}>
            {t('account.forgetYes')}
          </button>
          <button type="button" onClick={() => setConfirming(false)} ref={cancel}>
            {t('account.forgetNo')}
          </button>
        </div>
      ) : (
        <button type="button" onClick={() => setConfirming(true)} disabled={busy !== null}>
          {t('account.forget')}
        </button>
      )}
      <Busy action="forget" />
      <Outcome action="forget" />
    </section>
  )
}
