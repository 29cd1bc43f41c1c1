import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { AppErrorShape } from '../../../../shared/errors'
import { Announcer, ErrorMessage } from '../../components/ErrorMessage'
import { formatSize } from '../../components/format'
import { useCapture, useCases, useNavigation } from '../../stores/context'
import { ConfirmDialog } from './ConfirmDialog'

/** The upload: what is still missing, the evidences then the video with progress and cancel, or discarding it all. */
export function UploadStep() {
  const { t } = useTranslation()
  const capture = useCapture((state) => state.capture)
  const progress = useCapture((state) => state.progress)
  const upload = useCapture((state) => state.upload)
  const cancelUpload = useCapture((state) => state.cancelUpload)
  const abandon = useCapture((state) => state.abandon)
  const takeCase = useCases((state) => state.takeCase)
  const go = useNavigation((state) => state.go)
  const [busy, setBusy] = useState(false)
  const [failure, setFailure] = useState<AppErrorShape | null>(null)
  const [confirming, setConfirming] = useState(false)
  if (!capture) return null
  const { missing } = capture

  const send = async () => {
    setBusy(true)
    setFailure(null)
    const result = await upload()
    setBusy(false)
    if (result.ok) takeCase(result.value.case)
    else setFailure(result.error)
  }

  return (
    <div aria-busy={busy}>
      <p>{t('capture.uploadIntro')}</p>
      {missing.length > 0 ? (
        <p className="notice notice-warning">
          {t('capture.missing', { parts: missing.map((part) => t(`capture.parts.${part}`)).join(', ') })}
        </p>
      ) : (
        <p className="notice notice-ok">{t('capture.complete')}</p>
      )}
      {capture.upload.evidences === 'done' && <p className="notice notice-ok">{t('capture.evidencesIn')}</p>}
      {(capture.upload.evidences === 'unknown' || capture.upload.video === 'unknown') && (
        <p className="notice notice-warning">{t('capture.lastUnknown')}</p>
      )}
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={busy || missing.length > 0}
          onClick={() => void send()}
        >
          {busy ? t('capture.uploading') : t('capture.upload')}
        </button>
        {busy && (
          <button type="button" onClick={() => void cancelUpload()}>
            {t('capture.cancelUpload')}
          </button>
        )}
      </div>
      <div aria-live="polite">
        {busy && progress?.phase === 'evidences' && (
          <p className="progress">
            <span className="spinner" aria-hidden="true" />
            {t('capture.sendingEvidences')}
          </p>
        )}
        {busy && progress?.phase === 'video' && (
          <p className="progress">
            <progress max={progress.total} value={progress.bytes} aria-label={t('capture.videoProgress')} />{' '}
            {t('capture.sendingVideo', {
              sent: formatSize(progress.bytes),
              total: formatSize(progress.total),
            })}
          </p>
        )}
      </div>
      <Announcer urgent>
        {failure && (
          <ErrorMessage
            error={failure}
            live={false}
            title={failure.code === 'cancelled' ? t('capture.cancelled') : t('capture.notUploaded')}
          />
        )}
      </Announcer>
      {!busy && capture.upload.evidences !== 'done' && (
        <section className="capture-abandon" aria-labelledby="abandon-title">
          <h3 id="abandon-title">{t('capture.abandonTitle')}</h3>
          <button type="button" onClick={() => setConfirming(true)}>
            {t('capture.abandon')}
          </button>
          <ConfirmDialog
            open={confirming}
            question={t('capture.confirmAbandon')}
            yes={t('capture.confirmAbandonYes')}
            no={t('capture.keepIt')}
            onYes={async () => {
              setConfirming(false)
              const error = await abandon()
              if (error) setFailure(error)
              else go({ name: 'case', videoidPk: capture.videoidPk })
            }}
            onClose={() => setConfirming(false)}
          />
        </section>
      )}
    </div>
  )
}
