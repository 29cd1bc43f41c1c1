import type { FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { type NewCredentials, newCredentialsSchema } from '../../../shared/credentials'
import { CredentialField, CredentialFields } from '../components/CredentialFields'
import { Announcer, ErrorMessage } from '../components/ErrorMessage'
import { focusOnArrival } from '../components/focus'
import { useCheckedForm } from '../components/useCheckedForm'
import { useCredentials } from '../stores/context'

const blank = { username: '', password: '', pin: '', rao: '', billingUsername: '', billingPassword: '' }

/** First run, or after the credentials were lost: the officer's RAO identity, kept in the keychain. */
export function SetupView() {
  const { t } = useTranslation()
  const status = useCredentials((state) => state.status)
  const busy = useCredentials((state) => state.busy)
  const outcome = useCredentials((state) => state.outcome)
  const setUp = useCredentials((state) => state.setUp)
  const { bind, check, clear } = useCheckedForm(
    { ...blank, username: status?.username ?? '', rao: status?.rao ?? '' },
    newCredentialsSchema,
  )

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const credentials = check(event.currentTarget as HTMLFormElement)
    if (!credentials) return
    clear(['password', 'pin', 'billingPassword'])
    await setUp(credentials as NewCredentials)
  }

  return (
    <section aria-labelledby="setup-title">
      <h1 id="setup-title" tabIndex={-1} ref={focusOnArrival}>
        {t('setup.title')}
      </h1>
      {/* After forgetting: what became of the Optimizer token, said where the officer now is. */}
      {outcome?.action === 'forget' && outcome.ok && outcome.note && (
        <p role="status" className="notice notice-warning">
          {t(`account.notes.${outcome.note}`)}
        </p>
      )}
      {status?.state === 'lost' && status.problem ? (
        <ErrorMessage error={status.problem} title={t('setup.lostTitle')} />
      ) : (
        <p className="muted">{t('setup.intro')}</p>
      )}
      <form className="card" onSubmit={submit} noValidate aria-busy={busy === 'setUp'}>
        <p className="muted">
          {t('setup.environment', { environment: t(`environment.${status?.environment ?? 'sandbox'}`) })}
        </p>
        <CredentialFields bind={bind} />
        <details>
          <summary>{t('credentials.billing')}</summary>
          <p className="hint">{t('credentials.billingHint')}</p>
          <CredentialField name="billingUsername" {...bind('billingUsername')} />
          <CredentialField name="billingPassword" {...bind('billingPassword')} />
        </details>
        <p className="hint">{t('setup.keychainNote')}</p>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy !== null}>
            {busy === 'setUp' ? t('setup.saving') : t('setup.save')}
          </button>
        </div>
        <Announcer urgent>
          {outcome?.action === 'setUp' && !outcome.ok && <ErrorMessage error={outcome.error} live={false} />}
        </Announcer>
      </form>
    </section>
  )
}
