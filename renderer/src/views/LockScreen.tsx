import { type FormEvent, useEffect, useId, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Announcer, ErrorMessage } from '../components/ErrorMessage'
import { useNow } from '../components/useNow'
import { useLock } from '../stores/context'

/**
 * All a locked desk shows: the app's name, the officer's RAO username and the way back in. The
 * officer's work is not under it: the app renders this instead, so none of it is in the page.
 */
export function LockScreen() {
  const { t } = useTranslation()
  const lock = useLock((state) => state.lock)
  const problem = useLock((state) => state.problem)
  const unlocking = useLock((state) => state.unlocking)
  const unlock = useLock((state) => state.unlock)
  const unlockWithTouchId = useLock((state) => state.unlockWithTouchId)
  const [pin, setPin] = useState('')
  const field = useRef<HTMLInputElement>(null)
  const id = useId()
  const now = useNow(1000)
  const waitSeconds = lock?.retryAt ? Math.ceil((Date.parse(lock.retryAt) - now) / 1000) : 0

  useEffect(() => field.current?.focus(), [])
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (!pin.trim() || unlocking || waitSeconds > 0) return
    const given = pin
    // The field does not keep a PIN, right or wrong.
    setPin('')
    await unlock(given)
    field.current?.focus()
  }

  return (
    <main className="lock-screen" aria-labelledby="lock-title">
      <p className="brand">{t('app.name')}</p>
      <h1 id="lock-title">{t('lock.title')}</h1>
      {lock?.officer && <p className="muted">{t('lock.officer', { officer: lock.officer })}</p>}
      <form className="card" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={id}>{t('lock.pin')}</label>
          <input
            id={id}
            ref={field}
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
    </main>
  )
}
