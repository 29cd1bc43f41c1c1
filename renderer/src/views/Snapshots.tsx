import { useEffect } from 'react'
import { useTranslation } from 'react-i18next'
import { formatClock, formatDateTime } from '../components/format'
import { useMedia } from '../stores/context'

/** The frames the officer kept of this case, to show again what a decision relied on. */
export function Snapshots({ videoidPk }: { videoidPk: number }) {
  const { t } = useTranslation()
  const snapshots = useMedia((state) => state.snapshots.get(videoidPk))
  const loadSnapshots = useMedia((state) => state.loadSnapshots)
  useEffect(() => {
    void loadSnapshots(videoidPk)
  }, [loadSnapshots, videoidPk])
  return (
    <section className="card" aria-labelledby="snapshots-title">
      <h2 id="snapshots-title">{t('player.snapshots')}</h2>
      {snapshots?.length ? (
        <ul className="snapshots">
          {snapshots.map((snapshot) => (
            <li key={snapshot.id}>
              <a href={snapshot.url} target="_blank" rel="noreferrer">
                <img
                  src={snapshot.url}
                  crossOrigin="anonymous"
                  alt={t('player.snapshotAlt', { time: formatClock(snapshot.videoTimeSeconds) })}
                />
              </a>
              <span>
                {t('player.snapshotAt', {
                  time: formatClock(snapshot.videoTimeSeconds),
                  taken: formatDateTime(snapshot.takenAt),
                })}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">{t('player.noSnapshots')}</p>
      )}
    </section>
  )
}
