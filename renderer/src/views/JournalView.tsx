import { useVirtualizer } from '@tanstack/react-virtual'
import type { TFunction } from 'i18next'
import { useEffect, useId, useMemo, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import {
  decisionEntrySchema,
  decisionPhases,
  type JournalEntry,
  type JournalEntryType,
  type JournalIntegrity,
  journalEntrySchema,
} from '../../../shared/decisions'
import type { AppErrorShape } from '../../../shared/errors'
import { isLockCause } from '../../../shared/lock'
import { ErrorMessage, RetryableError } from '../components/ErrorMessage'
import { formatDateTime } from '../components/format'
import { useDecisions, useStoresApi } from '../stores/context'

const TYPES = journalEntrySchema.options.map((option) => option.shape.type.value)
const ACTIONS = decisionEntrySchema.shape.action.options
const ROW_HEIGHT = 44
const COLUMNS = ['seq', 'time', 'officer', 'case', 'action', 'phase', 'reason'] as const

/** Every entry of the journal, filtered, in a list that draws only the rows in view; its check; exports. */
export function JournalView() {
  const { t } = useTranslation()
  const journal = useDecisions((state) => state.journal)
  const loadJournal = useDecisions((state) => state.loadJournal)
  const heading = useRef<HTMLHeadingElement>(null)
  const [type, setType] = useState<JournalEntryType | ''>('')
  const [action, setAction] = useState<(typeof ACTIONS)[number] | ''>('')
  const [phase, setPhase] = useState<(typeof decisionPhases)[number] | ''>('')
  const [search, setSearch] = useState('')
  const ids = { type: useId(), action: useId(), phase: useId(), search: useId() }
  useEffect(() => heading.current?.focus(), [])
  // Read whole once (App reads it once the case book answered); new entries arrive as events. A failed
  // read waits for the officer.
  const loaded = journal !== null
  useEffect(() => {
    if (!loaded) void loadJournal()
  }, [loaded, loadJournal])

  const entries = journal && 'entries' in journal ? journal.entries : []
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase()
    const matches = entries.filter((entry) => {
      if (type && entry.type !== type) return false
      if (action && (entry.type !== 'decision' || entry.action !== action)) return false
      // Uploads have the decisions' outcomes: written ahead, done, lost, settled by the status.
      if (phase && ((entry.type !== 'decision' && entry.type !== 'upload') || entry.phase !== phase))
        return false
      if (!needle) return true
      const caseOf = 'videoidPk' in entry ? `${entry.videoidPk ?? ''} ${entry.requestPk ?? ''}` : ''
      return `${caseOf} ${entry.officer}`.toLowerCase().includes(needle)
    })
    // Newest first: the officer looks for what just happened.
    return matches.reverse()
  }, [entries, type, action, phase, search])

  return (
    <section aria-labelledby="journal-title" className="journal-page">
      <h1 id="journal-title" tabIndex={-1} ref={heading}>
        {t('journal.title')}
      </h1>
      <p className="muted">{t('journal.intro')}</p>
      {journal && 'error' in journal && (
        <RetryableError error={journal.error} onRetry={() => void loadJournal()} />
      )}
      {journal && 'integrity' in journal && (
        <IntegrityNotice integrity={journal.integrity} entries={entries} />
      )}
      <div className="journal-tools">
        <div className="field">
          <label htmlFor={ids.type}>{t('journal.filterType')}</label>
          <select id={ids.type} value={type} onChange={(event) => setType(event.target.value as typeof type)}>
            <option value="">{t('journal.any')}</option>
            {TYPES.map((value) => (
              <option key={value} value={value}>
                {t(`journal.types.${value}`)}
              </option>
            ))}
          </select>
        </div>
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
            {decisionPhases.map((value) => (
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
        <Exports />
      </div>
      {entries.length === 0 ? (
        <p className="card empty">{t('journal.empty')}</p>
      ) : shown.length === 0 ? (
        <p className="card empty">{t('journal.noMatch')}</p>
      ) : (
        <JournalTable entries={shown} total={entries.length} />
      )}
    </section>
  )
}

/** The check made at start, in plain words, and what earlier checks found (recorded in the journal itself). */
function IntegrityNotice({
  integrity,
  entries,
}: {
  integrity: JournalIntegrity
  entries: readonly JournalEntry[]
}) {
  const { t } = useTranslation()
  const problems = useProblemWords()
  const earlier = entries.filter((entry) => entry.type === 'chain' && entry.event !== 'keyed')
  if (integrity.state === 'verified' && earlier.length)
    return (
      <div className="notice notice-warning" role="status">
        <p>{t('journal.chainOkSince')}</p>
        <ul className="plain">
          {earlier.map((entry) => (
            <li key={entry.seq}>
              {t('journal.earlierProblem', {
                time: formatDateTime(entry.time),
                seq: entry.seq,
                detail: entry.type === 'chain' ? entry.detail : '',
              })}
            </li>
          ))}
        </ul>
      </div>
    )
  if (integrity.state === 'verified')
    return (
      <p className="notice notice-ok" role="status">
        {t('journal.chainOk')}
      </p>
    )
  if (integrity.state === 'unchecked')
    return <ErrorMessage error={integrity.problem} title={t('journal.chainUnchecked')} />
  return (
    <p className="notice notice-error" role="alert">
      {t('journal.chainBroken', { problem: problems(integrity) })}
    </p>
  )
}

/** The problems a check found, as one sentence in the officer's language. */
export function useProblemWords() {
  const { t } = useTranslation()
  return (integrity: Extract<JournalIntegrity, { state: 'problems' }>) =>
    integrity.problems.map((problem) => t(`journal.problems.${problem.kind}`, problem)).join('; ')
}

function Exports() {
  const { t } = useTranslation()
  const api = useStoresApi()
  const [error, setError] = useState<AppErrorShape | null>(null)
  const download = (text: string, type: string, name: string) => {
    const link = document.createElement('a')
    link.href = URL.createObjectURL(new Blob([text], { type }))
    link.download = name
    link.click()
    URL.revokeObjectURL(link.href)
  }
  const day = () => new Date().toISOString().slice(0, 10)
  const exportCsv = async () => {
    const result = await api.exportJournal()
    setError(result.ok ? null : result.error)
    if (result.ok) download(result.value.csv, 'text/csv;charset=utf-8', `decision-journal-${day()}.csv`)
  }
  const exportAudit = async () => {
    const result = await api.exportJournalAudit()
    setError(result.ok ? null : result.error)
    if (result.ok) download(result.value.json, 'application/json', `decision-journal-${day()}-audit.json`)
  }
  return (
    <div className="exports">
      <button type="button" onClick={() => void exportCsv()}>
        {t('journal.export')}
      </button>
      <button type="button" aria-describedby="audit-hint" onClick={() => void exportAudit()}>
        {t('journal.exportAudit')}
      </button>
      <p id="audit-hint" className="hint">
        {t('journal.exportAuditHint')}
      </p>
      {error && <ErrorMessage error={error} />}
    </div>
  )
}

/**
 * The entries as a table of which only the rows in view are drawn (spacer rows stand for the rest), so a
 * journal of tens of thousands of entries opens at once; the row count and indexes stay the whole table's.
 */
function JournalTable({ entries, total }: { entries: readonly JournalEntry[]; total: number }) {
  const { t } = useTranslation()
  const scroller = useRef<HTMLElement>(null)
  const virtualizer = useVirtualizer({
    count: entries.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  })
  const rows = virtualizer.getVirtualItems()
  const before = rows[0]?.start ?? 0
  const after = virtualizer.getTotalSize() - (rows.at(-1)?.end ?? 0)
  return (
    <>
      <p id="journal-count" className="muted">
        {t('queue.count', { shown: entries.length, total })}
      </p>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: the scrolling region takes the keys that scroll it */}
      <section ref={scroller} className="journal-scroll" tabIndex={0} aria-labelledby="journal-title">
        <table className="journal-table" aria-rowcount={entries.length + 1} aria-describedby="journal-count">
          <thead>
            <tr aria-rowindex={1}>
              {COLUMNS.map((column) => (
                <th key={column} scope="col">
                  {t(`journal.columns.${column}`)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {before > 0 && (
              <tr className="spacer" style={{ height: before }}>
                <td colSpan={COLUMNS.length} />
              </tr>
            )}
            {rows.map((row) => (
              <JournalRow
                key={(entries[row.index] as JournalEntry).seq}
                entry={entries[row.index] as JournalEntry}
                index={row.index}
              />
            ))}
            {after > 0 && (
              <tr className="spacer" style={{ height: after }}>
                <td colSpan={COLUMNS.length} />
              </tr>
            )}
          </tbody>
        </table>
      </section>
    </>
  )
}

function JournalRow({ entry, index }: { entry: JournalEntry; index: number }) {
  const { t } = useTranslation()
  const { what, outcome, text } = entryWords(entry, t)
  const caseText =
    'videoidPk' in entry && entry.videoidPk ? `${entry.videoidPk}/${entry.requestPk ?? '—'}` : '—'
  return (
    <tr
      aria-rowindex={index + 2}
      className={`phase-${entry.type === 'decision' ? entry.phase : entry.type}`}
      style={{ height: ROW_HEIGHT }}
    >
      <td>{entry.seq}</td>
      <td>{formatDateTime(entry.time)}</td>
      <td>{entry.officer || '—'}</td>
      <td>{caseText}</td>
      <td>{what}</td>
      <td>{outcome}</td>
      <td className="journal-text" title={text}>
        {text}
      </td>
    </tr>
  )
}

/** An entry's columns in the officer's words, whatever its kind. */
function entryWords(entry: JournalEntry, t: TFunction): { what: string; outcome: string; text: string } {
  switch (entry.type) {
    case 'decision':
      return {
        what: t(`journal.actions.${entry.action}`),
        outcome: t(`journal.phases.${entry.phase}`),
        text: entry.reason ?? entry.status ?? '',
      }
    case 'setting':
      return {
        what: t('journal.types.setting'),
        outcome: '',
        text: t('journal.settingChange', {
          setting: entry.setting,
          from: String(entry.from),
          to: String(entry.to),
        }),
      }
    case 'creation':
      return {
        what: t('journal.types.creation'),
        outcome: t(`journal.creationPhases.${entry.phase}`),
        text: '',
      }
    case 'upload':
      return {
        what: t(`journal.uploadParts.${entry.part}`),
        outcome: t(`journal.phases.${entry.phase}`),
        text: entry.status ?? '',
      }
    case 'lock':
      return {
        what: t('journal.types.lock'),
        outcome: t(`journal.lockEvents.${entry.event}`),
        text: isLockCause(entry.cause) ? t(`journal.lockCauses.${entry.cause}`) : (entry.cause ?? ''),
      }
    case 'chain':
      return {
        what: t('journal.types.chain'),
        outcome: t(`journal.chainEvents.${entry.event}`),
        text: entry.detail,
      }
  }
}
