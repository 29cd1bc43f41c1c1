import { useTranslation } from 'react-i18next'
import type { Case } from '../../../../shared/cases'
import { useNavigation } from '../../stores/context'

/** Statuses in which a Video ID still waits for its video: a capture at this desk may give it. */
const WAITING = ['VIDEOPENDING', 'VIDEOINCOMPLETE']

/** The way into capture at the desk, on a case waiting for its video (main says whether this desk may). */
export function CaptureEntry({ item }: { item: Case }) {
  const { t } = useTranslation()
  const go = useNavigation((state) => state.go)
  if (!WAITING.includes(item.status)) return null
  return (
    <section className="card" aria-labelledby="capture-entry-title">
      <h2 id="capture-entry-title">{t('capture.entryTitle')}</h2>
      <p className="muted">{t('capture.entryIntro')}</p>
      <button
        type="button"
        className="primary"
        onClick={() => go({ name: 'capture', videoidPk: item.videoidPk })}
      >
        {t('capture.entryAction')}
      </button>
    </section>
  )
}
