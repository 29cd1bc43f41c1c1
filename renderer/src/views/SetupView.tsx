import { type FormEvent, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { newCredentialsSchema } from '../../../shared/credentials'
import { ErrorMessage } from '../components/ErrorMessage'
import { Field } from '../components/Field'
import { fieldErrors, withoutBlanks } from '../components/validation'
import { useCredentials } from '../stores/context'

const blank = { username: '', password: '', pin: '', rao: '', billingUsername: '', billingPassword: '' }

/** First run, or after the credentials were lost: the officer's RAO identity, kept in the keychain. */
export function SetupView() {
  const { t } = useTranslation()
  const status = useCredentials((state) => state.status)
  const busy = useCredentials((state) => state.busy)
  const outcome = useCredentials((state) => state.outcome)
  const setUp = useCredentials((state) => state.setUp)
  const [form, setForm] = useState({ ...blank, username: status?.username ?? '', rao: status?.rao ?? '' })
  const [errors, setErrors] = useState<Record<string, string>>({})
  const update = (field: keyof typeof blank) => (event: { target: { value: string } }) =>
    setForm((current) => ({ ...current, [field]: event.target.value }))

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const credentials = withoutBlanks(form)
    const found = fieldErrors(newCredentialsSchema, credentials)
    setErrors(found)
    if (Object.keys(found).length) return
    // The secrets leave the page's state at once: the keychain keeps them, not the renderer.
    setForm((current) => ({ ...current, password: '', pin: '', billingPassword: '' }))
    await setUp(credentials as typeof blank)
  }
  const error = (field: string) =>
    errors[field] ? t(`validation.${errors[field]}` as 'validation.invalid') : undefined

  return (
    <section aria-labelledby="setup-title">
      <h1 id="setup-title">{t('setup.title')}</h1>
      {status?.state === 'lost' && status.problem ? (
        <ErrorMessage error={status.problem} title={t('setup.lostTitle')} />
      ) : (
        <p className="muted">{t('setup.intro')}</p>
      )}
      <form className="card" onSubmit={submit} noValidate aria-busy={busy === 'setUp'}>
        <p className="muted">
          {t('setup.environment', { environment: t(`environment.${status?.environment ?? 'sandbox'}`) })}
        </p>
        <Field
          label={t('credentials.username')}
          value={form.username}
          onChange={update('username')}
          autoComplete="off"
          spellCheck={false}
          error={error('username')}
        />
        <Field
          label={t('credentials.password')}
          type="password"
          value={form.password}
          onChange={update('password')}
          autoComplete="off"
          error={error('password')}
        />
        <Field
          label={t('credentials.pin')}
          type="password"
          inputMode="numeric"
          value={form.pin}
          onChange={update('pin')}
          autoComplete="off"
          error={error('pin')}
        />
        <Field
          label={t('credentials.rao')}
          inputMode="numeric"
          value={form.rao}
          onChange={update('rao')}
          autoComplete="off"
          hint={t('credentials.raoHint')}
          error={error('rao')}
        />
        <details>
          <summary>{t('credentials.billing')}</summary>
          <p className="hint">{t('credentials.billingHint')}</p>
          <Field
            label={t('credentials.billingUsername')}
            value={form.billingUsername}
            onChange={update('billingUsername')}
            autoComplete="off"
            error={error('billingUsername')}
          />
          <Field
            label={t('credentials.billingPassword')}
            type="password"
            value={form.billingPassword}
            onChange={update('billingPassword')}
            autoComplete="off"
            error={error('billingPassword')}
          />
        </details>
        <p className="hint">{t('setup.keychainNote')}</p>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy !== null}>
            {busy === 'setUp' ? t('setup.saving') : t('setup.save')}
          </button>
        </div>
        {outcome?.action === 'setUp' && !outcome.ok && <ErrorMessage error={outcome.error} />}
      </form>
    </section>
  )
}
