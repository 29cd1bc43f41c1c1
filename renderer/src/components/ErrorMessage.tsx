import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import type { AppErrorShape } from '../../../shared/errors'

/** Errors whose detail is for the officer, not support: a created Video ID's numbers to copy. */
const OFFICER_DETAIL: ReadonlySet<AppErrorShape['code']> = new Set(['created_not_saved'])

/**
 * An error from main: a plain sentence in the officer's language that says what to do; the technical
 * words (a server's message, a system error code) stay behind a "details" disclosure for support.
 */
export function ErrorMessage({
  error,
  title,
  live = true,
}: {
  error: AppErrorShape
  title?: string
  /** False inside an `Announcer`, which is the live region that stays in the page. */
  live?: boolean
}) {
  const { t } = useTranslation()
  return (
    <div className="notice notice-error" {...(live ? { role: 'alert' } : {})}>
      {title && <p className="notice-title">{title}</p>}
      <p>{t(`errors.${error.code}`)}</p>
      {error.detail && OFFICER_DETAIL.has(error.code) ? (
        <p className="notice-strong">
          <strong>{error.detail}</strong>
        </p>
      ) : (
        error.detail && (
          <details className="notice-detail">
            <summary>{t('errors.details')}</summary>
            <p>{error.detail}</p>
          </details>
        )
      )}
    </div>
  )
}

/** An error that trying again may cure, such as a failed read, with the way to try. */
export function RetryableError({
  error,
  title,
  onRetry,
}: {
  error: AppErrorShape
  title?: string
  onRetry: () => void
}) {
  const { t } = useTranslation()
  return (
    <>
      <ErrorMessage error={error} {...(title ? { title } : {})} />
      <button type="button" onClick={onRetry}>
        {t('common.retry')}
      </button>
    </>
  )
}

/**
 * A live region that stays in the page while what it holds comes and goes: screen readers announce a
 * change of its content reliably, where a region added with its message may go unheard.
 */
export function Announcer({ children, urgent = false }: { children: ReactNode; urgent?: boolean }) {
  return <div {...(urgent ? { role: 'alert' } : { role: 'status' })}>{children}</div>
}
