import { useEffect, useId, useMemo, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { type JournalEntry, journalEntrySchema } from '../../../shared/decisions'
import { ErrorMessage } from '../components/ErrorMessage'
import { useDecisions, useStoresApi } from '../stores/context'

const ACTIONS = journalEntrySchema.shape.action.options
const PHASES = journalEntrySchema.shape.phase.options

/** Every decision attempt and outcome, filtered, with the chain's check and a CSV export. */
export function JournalView() {
  const { t, i18n } = useTranslation()
  const journal = useDecisions((state) => state.journal)
  const loadJournal = useDecisions((state) => state.loadJournal)
  const api = useStoresApi()
  const heading = useRef<HTMLHeadingElement>(null)
  const [action, setAction] = useState<JournalEntry['action'] | ''>('')
  const [phase, setPhase] = useState<JournalEntry['phase'] | ''>('')
  const [search, setSearch] = useState('')
  const [exportError, setExportError] = useState<Parameters<typeof ErrorMessage>[0]['error'] | null>(null)
  const ids = { action: useId(), phase: useId(), search: useId() }
  useEffect(() => heading.current?.focus(), [])
  useEffect(() => {
    void loadJournal()
  }, [loadJournal])

  const entries = journal && 'entries' in journal ? journal.entries : []
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase()
    return entries.filter(
      (entry) =>
        (!action || entry.action === action) &&
        (!phase || entry.phase === phase) &&
        (!needle || `${entry.videoidPk} ${entry.requestPk} ${entry.officer}`.toLowerCase().includes(needle)),
    )
  }, [entries, action, phase, search])

  const exportCsv = async () => {
    const result = await api.exportJournal()
    if (!result.ok) {
      setExportError(result.error)
      return
    }
    setExportError(null)
    const link = document.createElement('a')
    link.href = URL.createObjectURL(new Blob([result.value.csv], { type: 'text/csv;charset=utf-8' }))
    link.download = `decision-journal-${new Date().toISOString().slice(0, 10)}.csv`
    link.click()
    URL.revokeObjectURL(link.href)
  }

  return (
    <section aria-labelledby="journal-title">
      <h1 id="journal-title" tabIndex={-1} ref={heading}>
        {t('journal.title')}
      </h1>
      <p className="muted">{t('journal.intro')}</p>
      {journal && 'error' in journal && <ErrorMessage error={journal.error} />}
      {journal && 'chain' in journal && (
        <p
          className={journal.chain.ok ? 'notice notice-ok' : 'notice notice-error'}
          role={journal.chain.ok ? 'status' : 'alert'}
        >
          {journal.chain.ok
            ? t('journal.chainOk')
            : t('journal.chainBroken', { problem: journal.chain.problem })}
        </p>
      )}
      <div className="journal-tools">
        <div className="field">
          <label htmlFor={ids.action}>{t('journal.filterAction')}</label>
          <select
            id={ids.action}
            value={action}
            onChange={(event) => setAction(event.target.value as typeof action)}
          >
            <option value="">{t('journal.any')}</option>
            {ACTIONS.map((value) => (
              <option key={value} value={value}>
                {t(`journal.actions.${value}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.phase}>{t('journal.filterPhase')}</label>
          <select
            id={ids.phase}
            value={phase}
            onChange={(event) => setPhase(event.target.value as typeof phase)}
          >
            <option value="">{t('journal.any')}</option>
            {PHASES.map((value) => (
              <option key={value} value={value}>
                {t(`journal.phases.${value}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.search}>{t('journal.filterSearch')}</label>
          <input
            id={ids.search}
            type="search"
            maxLength={100}
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </div>
        <button type="button" onClick={() => void exportCsv()}>
          {t('journal.export')}
        </button>
      </div>
      {exportError && <ErrorMessage error={exportError} />}
      {entries.length === 0 ? (
        <p className="card empty">{t('journal.empty')}</p>
      ) : shown.length === 0 ? (
        <p className="card empty">{t('journal.noMatch')}</p>
      ) : (
        <table className="results journal">
          <thead>
            <tr>
              {(['seq', 'time', 'officer', 'case', 'action', 'phase', 'reason'] as const).map((column) => (
                <th key={column} scope="col">
                  {t(`journal.columns.${column}`)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((entry) => (
              <tr key={entry.seq} className={`phase-${entry.phase}`}>
                <td>{entry.seq}</td>
                <td>{new Date(entry.time).toLocaleString(i18n.language)}</td>
                <td>{entry.officer}</td>
                <td>
                  {entry.videoidPk}/{entry.requestPk}
                </td>
                <td>{t(`journal.actions.${entry.action}`)}</td>
                <td>{t(`journal.phases.${entry.phase}`)}</td>
                <td>{entry.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
