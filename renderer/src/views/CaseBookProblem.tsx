import { useTranslation } from 'react-i18next'
import { ErrorMessage } from '../components/ErrorMessage'
import { formatDateTime } from '../components/format'
import type { BookState } from '../stores/cases-store'
import { useCases } from '../stores/context'

/** An unreadable case book, kept as it is, with the officer's two ways on; or a keychain problem. */
export function CaseBookProblem({
  book,
}: {
  book: Extract<BookState, { state: 'damaged' | 'keychain_problem' }>
}) {
  const { t } = useTranslation()
  const busy = useCases((state) => state.busy)
  const recover = useCases((state) => state.recover)
  const outcome = useCases((state) => state.outcome)
  const load = useCases((state) => state.load)
  if (book.state === 'keychain_problem') {
    return (
      <div className="card">
        <ErrorMessage error={book.problem} title={t('caseBook.keychainTitle')} />
        <p className="muted">{t('keychain.noFallback')}</p>
        <button type="button" onClick={() => void load()}>
          {t('common.retry')}
        </button>
      </div>
    )
  }
  return (
    <div className="card" role="alert">
      <h2>{t('caseBook.damagedTitle')}</h2>
      <p>{t('caseBook.damaged', { file: book.file, reason: book.reason })}</p>
      {book.lastGood && (
        <p>
          {t('caseBook.lastGood', {
            date: formatDateTime(book.lastGood.savedAt),
            count: book.lastGood.cases,
          })}
        </p>
      )}
      <div className="actions">
        {book.lastGood && (
          <button
            type="button"
            className="primary"
            disabled={busy !== null}
            onClick={() => void recover('last_good')}
          >
            {t('caseBook.restore')}
          </button>
        )}
        <button type="button" disabled={busy !== null} onClick={() => void recover('empty')}>
          {t('caseBook.startEmpty')}
        </button>
      </div>
      <p className="hint">{t('caseBook.startEmptyHint')}</p>
      {outcome?.action === 'recover' && !outcome.ok && <ErrorMessage error={outcome.error} />}
    </div>
  )
}
