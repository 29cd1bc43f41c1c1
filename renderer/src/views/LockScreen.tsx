import { type FormEvent, useEffect, useId, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { type NewCredentials, newCredentialsSchema } from '../../../shared/credentials'
import { CredentialFields } from '../components/CredentialFields'
import { Announcer, ErrorMessage } from '../components/ErrorMessage'
import { focusOnArrival } from '../components/focus'
import { useCheckedForm } from '../components/useCheckedForm'
import { useNow } from '../components/useNow'
import { useLock, useSettings } from '../stores/context'

/**
 * All a locked desk shows: the app's name, the officer's RAO username and the way back in. The
 * officer's work is not under it: the app renders this instead, so none of it is in the page.
 */
export function LockScreen() {
  const { t } = useTranslation()
  const lock = useLock((state) => state.lock)
  return (
    <main className="lock-screen" aria-labelledby="lock-title">
      <p className="brand">{t('app.name')}</p>
      <h1 id="lock-title">{t('lock.title')}</h1>
      {lock?.unlockWith === 'set_up' ? <SetUpAgain /> : <Unlock />}
    </main>
  )
}

/** The PIN, and after ten wrong tries the RAO password with it; both compared in main only. */
function Unlock() {
  const { t } = useTranslation()
  const lock = useLock((state) => state.lock)
  const problem = useLock((state) => state.problem)
  const unlocking = useLock((state) => state.unlocking)
  const unlock = useLock((state) => state.unlock)
  const unlockWithTouchId = useLock((state) => state.unlockWithTouchId)
  const [pin, setPin] = useState('')
  const [password, setPassword] = useState('')
  const form = useRef<HTMLFormElement>(null)
  const id = useId()
  const now = useNow(1000)
  const waitSeconds = lock?.retryAt ? Math.ceil((Date.parse(lock.retryAt) - now) / 1000) : 0
  const withPassword = lock?.unlockWith === 'password_and_pin'
  /** A try starts at the form's first field as the page shows it now: the password once it is asked for, else the PIN. */
  const focusFirst = () => form.current?.querySelector('input')?.focus()

  // biome-ignore lint/correctness/useExhaustiveDependencies: the first field changes with `withPassword`.
  useEffect(focusFirst, [withPassword])
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (!pin.trim() || (withPassword && !password) || unlocking || waitSeconds > 0) return
    const given = { pin, ...(withPassword ? { password } : {}) }
    // The fields do not keep a PIN or a password, right or wrong.
    setPin('')
    setPassword('')
    await unlock(given)
    focusFirst()
  }

  return (
    <>
      {lock?.officer && <p className="muted">{t('lock.officer', { officer: lock.officer })}</p>}
      <form ref={form} className="card" onSubmit={submit} noValidate>
        {withPassword && (
          <div className="field">
            <label htmlFor={`${id}-password`}>{t('lock.password')}</label>
            <input
              id={`${id}-password`}
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={password}
              aria-describedby={`${id}-password-hint`}
              onChange={(event) => setPassword(event.target.value)}
            />
            <p id={`${id}-password-hint`} className="hint">
              {t('lock.passwordNeeded')}
            </p>
          </div>
        )}
        <div className="field">
          <label htmlFor={id}>{t('lock.pin')}</label>
          <input
            id={id}
            type="password"
            inputMode="numeric"
            autoComplete="off"
            spellCheck={false}
            value={pin}
            aria-describedby={`${id}-hint`}
            onChange={(event) => setPin(event.target.value)}
          />
          <p id={`${id}-hint`} className="hint">
            {t('lock.pinHint')}
          </p>
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={unlocking || waitSeconds > 0}>
            {unlocking ? t('lock.unlocking') : t('lock.unlock')}
          </button>
          {lock?.touchId && (
            <button type="button" disabled={unlocking} onClick={() => void unlockWithTouchId()}>
              {t('lock.touchId')}
            </button>
          )}
        </div>
        <Announcer urgent>{problem && <ErrorMessage error={problem} live={false} />}</Announcer>
        {waitSeconds > 0 && <p className="muted">{t('lock.wait', { seconds: waitSeconds })}</p>}
      </form>
    </>
  )
}

const blank = { username: '', password: '', pin: '', rao: '' }

/**
 * The keychain lost every credential: set them up again; the Optimizer's yes opens the desk, and only for
 * the RAO user it was locked for (main checks it; the page shows whose and does not let it be changed).
 */
function SetUpAgain() {
  const { t } = useTranslation()
  const environment = useSettings((state) => state.settings?.environment)
  const officer = useLock((state) => state.lock?.officer ?? '')
  const retryAt = useLock((state) => state.lock?.retryAt)
  const problem = useLock((state) => state.problem)
  const unlocking = useLock((state) => state.unlocking)
  const setUpAgain = useLock((state) => state.setUpAgain)
  const { bind, check, clear } = useCheckedForm({ ...blank, username: officer }, newCredentialsSchema)
  const now = useNow(1000)
  const waitSeconds = retryAt ? Math.ceil((Date.parse(retryAt) - now) / 1000) : 0

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const credentials = check(event.currentTarget as HTMLFormElement)
    if (!credentials || unlocking || waitSeconds > 0) return
    clear(['password', 'pin'])
    await setUpAgain(credentials as NewCredentials)
  }

  return (
    <section aria-labelledby="gone-title">
      <h2 id="gone-title" tabIndex={-1} ref={focusOnArrival}>
        {t('lock.goneTitle')}
      </h2>
      <p>{t('lock.goneBody')}</p>
      <form className="card" onSubmit={submit} noValidate aria-busy={unlocking}>
        <p className="muted">
          {t('setup.environment', { environment: t(`environment.${environment ?? 'sandbox'}`) })}
        </p>
        <CredentialFields bind={bind} usernameFixed={officer !== ''} />
        <div className="actions">
          <button type="submit" className="primary" disabled={unlocking || waitSeconds > 0}>
            {unlocking ? t('lock.settingUp') : t('lock.setUpAgain')}
          </button>
        </div>
        <Announcer urgent>{problem && <ErrorMessage error={problem} live={false} />}</Announcer>
        {waitSeconds > 0 && <p className="muted">{t('lock.setUpWait', { seconds: waitSeconds })}</p>}
      </form>
    </section>
  )
}
