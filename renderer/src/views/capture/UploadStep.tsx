import { useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { AppErrorShape } from '../../../../shared/errors'
import { Announcer, ErrorMessage } from '../../components/ErrorMessage'
import { formatSize } from '../../components/format'
import { useCapture, useCases, useNavigation } from '../../stores/context'
import { ConfirmDialog } from './ConfirmDialog'

/**
 * The upload: what is still missing, the evidences then the video with progress and cancel, or
 * discarding it all while nothing of it is, or may be, on the Optimizer.
 */
export function UploadStep() {
  const { t, i18n } = useTranslation()
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
  const [resendTicked, setResendTicked] = useState(false)
  const resendId = useId()
  if (!capture) return null
  const { missing } = capture
  const parts = [capture.upload.evidences, capture.upload.video]
  const needsResend = parts.includes('unconfirmed')
  // Nothing of it is, or may be, on the Optimizer: it can still be discarded.
  const discardable = !parts.includes('done') && !parts.includes('unknown')

  const send = async () => {
    setBusy(true)
    setFailure(null)
    const result = await upload(needsResend ? { resendConfirmed: true } : undefined)
    setBusy(false)
    setResendTicked(false)
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
      {parts.includes('unknown') && (
        <p className="notice notice-warning">
          {t('capture.lastUnknown', {
            time: new Date(capture.upload.settledBy ?? '').toLocaleString(i18n.language),
          })}
        </p>
      )}
      {needsResend && (
        <div className="notice notice-warning">
          <p>{t('capture.lastUnconfirmed')}</p>
          <p className="choice">
            <input
              id={resendId}
              type="checkbox"
              checked={resendTicked}
              disabled={busy}
              onChange={(event) => setResendTicked(event.target.checked)}
            />
            <label htmlFor={resendId}>{t('capture.resendConfirm')}</label>
          </p>
        </div>
      )}
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={busy || missing.length > 0 || (needsResend && !resendTicked)}
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
      {!busy && discardable && (
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
