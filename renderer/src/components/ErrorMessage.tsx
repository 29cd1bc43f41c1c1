import { useTranslation } from 'react-i18next'
import type { AppErrorShape } from '../../../shared/errors'

/** An error from main, in the officer's language, with the server's own words as detail. */
export function ErrorMessage({ error, title }: { error: AppErrorShape; title?: string }) {
  const { t } = useTranslation()
  return (
    <div className="notice notice-error" role="alert">
      {title && <p className="notice-title">{title}</p>}
      <p>{t(`errors.${error.code}`)}</p>
      {error.detail && <p className="notice-detail">{t('errors.detail', { detail: error.detail })}</p>}
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
