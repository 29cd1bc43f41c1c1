import { useVirtualizer } from '@tanstack/react-virtual'
import {
  type KeyboardEvent,
  memo,
  type ReactNode,
  useCallback,
  useEffect,
  useId,
  useMemo,
  useRef,
} from 'react'
import { useTranslation } from 'react-i18next'
import { KNOWN_STATUSES, type RowPerson } from '../../../shared/cases'
import { StatusBadge, useCaseName, useRelativeTime, useStatusLabel } from '../components/CaseLabels'
import { RetryableError } from '../components/ErrorMessage'
import { focusOnArrival } from '../components/focus'
import { isTyping } from '../components/typing'
import { useNow } from '../components/useNow'
import {
  countCases,
  orderCases,
  type QueueFilter,
  type RowFacts,
  searchTexts,
  visibleCases,
} from '../queue/queue-model'
import { useCases, useCredentials, useNavigation } from '../stores/context'
import { CaseBookProblem } from './CaseBookProblem'
import { SyncBar } from './SyncBar'
import { TakeNextButton, TeamClaimBadge, useTwoStepMode } from './TeamNotices'

const ROW_HEIGHT = 64

/** The home screen: what waits for this workstation, oldest first, and every other case a filter away. */
export function QueueView() {
  const { t } = useTranslation()
  const book = useCases((state) => state.book)
  const load = useCases((state) => state.load)
  const ensureLoaded = useCases((state) => state.ensureLoaded)
  const rows = useCases((state) => state.rows)
  const go = useNavigation((state) => state.go)
  const keptAside = useCases((state) => state.keptAside)
  // Credentials set up while the Optimizer was away were saved unchecked: the officer hears it here.
  const setupNote = useCredentials((state) =>
    state.outcome?.action === 'setUp' && state.outcome.ok ? state.outcome.note : undefined,
  )

  // Read once; events keep the cases current from then on, so coming back from a case costs nothing.
  useEffect(() => {
    void ensureLoaded()
  }, [ensureLoaded])

  let body: ReactNode
  if (book.state === 'loading') {
    body = (
      <p role="status" className="muted" aria-busy="true">
        {t('queue.loading')}
      </p>
    )
  } else if (book.state === 'failed') {
    body = <RetryableError error={book.error} onRetry={() => void load()} />
  } else if (book.state !== 'open') {
    body = <CaseBookProblem book={book} />
  } else if (rows.size === 0) {
    body = (
      <div className="card empty">
        <h2>{t('queue.emptyTitle')}</h2>
        <p className="muted">{t('queue.emptyBody')}</p>
        <button type="button" className="primary" onClick={() => go({ name: 'add' })}>
          {t('queue.emptyAction')}
        </button>
      </div>
    )
  } else {
    body = <Queue rows={rows} />
  }
  return (
    <section aria-labelledby="queue-title" className="queue-page">
      <h1 id="queue-title" tabIndex={-1} ref={focusOnArrival}>
        {t('queue.title')}
      </h1>
      {(setupNote === 'savedNotChecked' || setupNote === 'savedAnswerLost') && (
        <p role="status" className="notice notice-warning">
          {t(`account.notes.${setupNote}`)}
        </p>
      )}
      {keptAside.length > 0 && (
        <div className="notice notice-ok" role="status">
          <p>{t('caseBook.keptAside')}</p>
          <ul className="plain">
            {keptAside.map((file) => (
              <li key={file}>
                <code>{file}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
      {book.state === 'open' && <SyncBar />}
      {body}
    </section>
  )
}

function Queue({ rows }: { rows: ReadonlyMap<number, RowFacts> }) {
  const { t } = useTranslation()
  const people = useCases((state) => state.people)
  const twoStepMode = useTwoStepMode()
  const view = useNavigation((state) => state.queue)
  const setQueue = useNavigation((state) => state.setQueue)
  const go = useNavigation((state) => state.go)
  const label = useStatusLabel()
  const searchId = useId()
  const search = useRef<HTMLInputElement>(null)
  const list = useRef<HTMLDivElement>(null)

  const ordered = useMemo(() => orderCases(rows.values(), twoStepMode), [rows, twoStepMode])
  const counts = useMemo(() => countCases(rows.values(), twoStepMode), [rows, twoStepMode])
  // Worked out when rows or signers change, so that a keystroke only compares strings.
  const texts = useMemo(() => searchTexts(ordered, people), [ordered, people])
  // Filtered in the keystroke's own render: 10,000 cases take about a millisecond.
  const query = view.query
  const { shown, elsewhere } = useMemo(
    () => visibleCases(ordered, texts, view.filter, query, twoStepMode),
    [ordered, texts, view.filter, query, twoStepMode],
  )
  // Signers main has not unsealed yet (just after start): search cannot match their data yet.
  const reading = rows.size - people.size
  const selectedIndex = Math.max(
    0,
    shown.findIndex((item) => item.videoidPk === view.selected),
  )
  const selected = shown[selectedIndex]

  const virtualizer = useVirtualizer({
    count: shown.length,
    getScrollElement: () => list.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  })

  // `/` searches from anywhere in the queue, unless the officer is typing somewhere else.
  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (event.key === '/' && !isTyping(event.target) && !event.ctrlKey && !event.metaKey) {
        event.preventDefault()
        search.current?.focus()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  // Back from a case (or after a sync reorders the list): the list keeps the focus and the selection.
  useEffect(() => {
    if (view.selected !== null) list.current?.focus()
  }, [view.selected])

  const select = (index: number) => {
    const item = shown[Math.min(Math.max(index, 0), shown.length - 1)]
    if (!item) return
    setQueue({ selected: item.videoidPk })
    virtualizer.scrollToIndex(shown.indexOf(item))
  }
  const open = (item: RowFacts | undefined) => item && go({ name: 'case', videoidPk: item.videoidPk })
  const openPk = useCallback(
    (videoidPk: number) => {
      setQueue({ selected: videoidPk })
      go({ name: 'case', videoidPk })
    },
    [setQueue, go],
  )
  const now = useNow(10_000)

  const onListKey = (event: KeyboardEvent<HTMLDivElement>) => {
    const moves: Record<string, number> = {
      ArrowDown: 1,
      j: 1,
      ArrowUp: -1,
      k: -1,
      PageDown: 10,
      PageUp: -10,
    }
    if (event.key in moves) select(selectedIndex + (moves[event.key] ?? 0))
    else if (event.key === 'Home') select(0)
    else if (event.key === 'End') select(shown.length - 1)
    else if (event.key === 'Enter') open(selected)
    else return
    event.preventDefault()
  }

  const statuses = [
    ...KNOWN_STATUSES.filter((status) => counts.byStatus.has(status)),
    ...[...counts.byStatus.keys()].filter(
      (status) => !(KNOWN_STATUSES as readonly string[]).includes(status),
    ),
  ]
  const filters: { filter: QueueFilter; text: string; count: number }[] = [
    { filter: { kind: 'pending' }, text: t('queue.filterPending'), count: counts.pending },
    ...statuses.map((status) => ({
      filter: { kind: 'status', status } as QueueFilter,
      text: label(status),
      count: counts.byStatus.get(status) ?? 0,
    })),
    ...(counts.gone
      ? [{ filter: { kind: 'gone' } as QueueFilter, text: t('queue.filterGone'), count: counts.gone }]
      : []),
    { filter: { kind: 'all' }, text: t('queue.filterAll'), count: counts.all },
  ]
  const sameFilter = (a: QueueFilter, b: QueueFilter) =>
    a.kind === b.kind && (a.kind !== 'status' || b.kind !== 'status' || a.status === b.status)

  return (
    <>
      <div className="queue-tools">
        <TakeNextButton />
        <div className="field search">
          <label htmlFor={searchId}>{t('queue.search')}</label>
          <input
            id={searchId}
            ref={search}
            type="search"
            value={view.query}
            maxLength={200}
            autoComplete="off"
            spellCheck={false}
            aria-describedby={`${searchId}-hint`}
            onChange={(event) => setQueue({ query: event.target.value })}
            onKeyDown={(event) => {
              if (event.key === 'ArrowDown' || event.key === 'Enter') {
                event.preventDefault()
                list.current?.focus()
                if (view.selected === null) select(0)
              }
            }}
          />
          <p id={`${searchId}-hint`} className="hint">
            {t('queue.searchHint')}
          </p>
        </div>
        <fieldset className="filters">
          <legend>{t('queue.filters')}</legend>
          {filters.map(({ filter, text, count }) => (
            <button
              key={filter.kind === 'status' ? `status-${filter.status}` : filter.kind}
              type="button"
              className="filter"
              aria-pressed={sameFilter(filter, view.filter)}
              onClick={() => setQueue({ filter })}
            >
              {text} <span className="count">{count}</span>
            </button>
          ))}
        </fieldset>
      </div>
      <p className="muted queue-count" role="status">
        {t('queue.count', { shown: shown.length, total: rows.size })} · {t('queue.keyboard')}
        {reading > 0 && ` · ${t('queue.readingCount', { count: reading })}`}
      </p>
      {elsewhere > 0 && (
        <p className="elsewhere">
          <button type="button" className="link" onClick={() => setQueue({ filter: { kind: 'all' } })}>
            {t('queue.moreInAll', { count: elsewhere })}
          </button>
        </p>
      )}
      {shown.length === 0 ? (
        elsewhere === 0 && (
          <p className="card empty">{query ? t('queue.noMatch', { query }) : t('queue.noneInFilter')}</p>
        )
      ) : (
        <div
          ref={list}
          className="queue-list"
          role="listbox"
          tabIndex={0}
          aria-label={t('queue.listLabel')}
          aria-activedescendant={selected ? `case-${selected.videoidPk}` : undefined}
          onKeyDown={onListKey}
          // From the keyboard, the first row is selected on arrival; a click selects the row clicked.
          onFocus={(event) =>
            view.selected === null && event.currentTarget.matches(':focus-visible') && select(0)
          }
        >
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((row) => {
              const item = shown[row.index] as RowFacts
              return (
                <QueueRow
                  key={item.videoidPk}
                  item={item}
                  person={people.get(item.videoidPk)}
                  top={row.start}
                  selected={item === selected}
                  twoStepMode={twoStepMode}
                  now={now}
                  onOpen={openPk}
                />
              )
            })}
          </div>
        </div>
      )}
    </>
  )
}

const QueueRow = memo(function QueueRow({
  item,
  person,
  top,
  selected,
  twoStepMode,
  now,
  onOpen,
}: {
  item: RowFacts
  person: RowPerson | undefined
  top: number
  selected: boolean
  twoStepMode: boolean
  now: number
  onOpen: (videoidPk: number) => void
}) {
  const { t } = useTranslation()
  const name = useCaseName()
  const since = useRelativeTime()
  const { serialNumber, idDocumentType } = person ?? {}
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the listbox takes the keys for every row (aria-activedescendant)
    <div
      id={`case-${item.videoidPk}`}
      role="option"
      tabIndex={-1}
      aria-selected={selected}
      className="queue-row"
      style={{ transform: `translateY(${top}px)`, height: ROW_HEIGHT }}
      onClick={() => onOpen(item.videoidPk)}
    >
      <span className="row-name">{name({ ...item, person })}</span>
      <span className="row-doc muted">
        {[idDocumentType, serialNumber].filter(Boolean).join(' ')} · {item.videoidPk}/{item.requestPk}
      </span>
      <span className="row-badges">
        {!item.pairVerified && <span className="badge unverified">{t('queue.unverified')}</span>}
        <TeamClaimBadge videoidPk={item.videoidPk} />
        <StatusBadge item={item} twoStepMode={twoStepMode} />
      </span>
      <span className="row-age muted">
        {t('queue.inState', { when: since(item.statusSince ?? item.addedAt, now) })}
        <span className="row-added"> · {t('queue.added', { when: since(item.addedAt, now) })}</span>
      </span>
    </div>
  )
})
