import { useTranslation } from 'react-i18next'
import { ErrorMessage } from '../components/ErrorMessage'
import { formatTime } from '../components/format'
import { useCases } from '../stores/context'

const timeOf = (iso: string | undefined) => (iso ? formatTime(iso) : '')

/** When the cases were last read, a way to read them now, and the offline banner. */
export function SyncBar() {
  const { t } = useTranslation()
  const sync = useCases((state) => state.sync)
  const busy = useCases((state) => state.busy)
  const syncNow = useCases((state) => state.syncNow)
  const running = sync?.running || busy === 'sync'
  return (
    <div className="sync-bar">
      <div className="sync-line">
        <p role="status" className="muted">
          {running
            ? t('queue.syncing')
            : sync?.lastSyncedAt
              ? t('queue.lastSynced', { time: timeOf(sync.lastSyncedAt) })
              : t('queue.neverSynced')}
        </p>
        <button type="button" onClick={() => void syncNow()} disabled={running}>
          {t('queue.syncNow')}
        </button>
      </div>
      <div aria-live="assertive">
        {sync && !sync.online && (
          <p className="notice notice-offline">
            <strong>{t('queue.offlineTitle')}</strong> {t('queue.offline', { time: timeOf(sync.nextAt) })}
          </p>
        )}
      </div>
      {sync?.online && sync.problem && !running && (
        <ErrorMessage error={sync.problem} title={t('queue.syncProblem')} />
      )}
    </div>
  )
}
