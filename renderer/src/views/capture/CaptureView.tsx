import { useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { type Capture, imageSlots } from '../../../../shared/capture'
import { RetryableError } from '../../components/ErrorMessage'
import { isTyping } from '../../components/typing'
import { useCapture, useCases, useNavigation } from '../../stores/context'
import { AcceptanceStep } from './AcceptanceStep'
import { ChecksStep } from './ChecksStep'
import { DocumentStep } from './DocumentStep'
import { ImagesStep } from './ImagesStep'
import { UploadStep } from './UploadStep'
import { VideoStep } from './VideoStep'

const STEPS = ['acceptance', 'images', 'document', 'checks', 'video', 'upload'] as const
type Step = (typeof STEPS)[number]

/** Whether a step has what the upload needs from it. */
function isDone(step: Step, capture: Capture): boolean {
  const missing = new Set<string>(capture.missing)
  if (step === 'images') return !imageSlots.some((slot) => missing.has(slot))
  if (step === 'video') return !missing.has('recording')
  if (step === 'upload') return false
  return !missing.has(step)
}

/**
 * Capture at the desk, step by step: acceptance, the document's images and data, the checks, the video,
 * then the upload. Any step can be opened in any order; each is kept by main as soon as it is saved, so
 * closing the app loses nothing. Opens on the first step still to do.
 */
export function CaptureView({ videoidPk }: { videoidPk: number }) {
  const { t } = useTranslation()
  const open = useCapture((state) => state.open)
  const close = useCapture((state) => state.close)
  const load = useCapture((state) => state.load)
  const capture = useCapture((state) => state.capture)
  const uploaded = useCapture((state) => state.uploaded)
  // The case whole, for what it holds of the signer (a queue row has no document country): the data
  // step starts from it. A case that cannot be read starts the step empty.
  const openCase = useCases((state) => state.openCase)
  const closeCase = useCases((state) => state.closeCase)
  const person = useCases((state) => state.opened.get(videoidPk)?.person)
  const caseRead = useCases((state) => state.opened.has(videoidPk) || state.openFailed.has(videoidPk))
  const go = useNavigation((state) => state.go)
  const heading = useRef<HTMLHeadingElement>(null)

  useEffect(() => {
    void open(videoidPk)
    void openCase(videoidPk)
    return () => {
      void close()
      closeCase(videoidPk)
    }
  }, [open, close, openCase, closeCase, videoidPk])
  useEffect(() => heading.current?.focus(), [])
  // Esc goes back to the case; in a field it only leaves the field.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || event.defaultPrevented || document.querySelector('dialog[open]')) return
      if (isTyping(event.target)) (event.target as HTMLElement).blur()
      else go({ name: 'case', videoidPk })
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [go, videoidPk])

  return (
    <section aria-labelledby="capture-title" className="capture-page">
      <button type="button" className="link back" onClick={() => go({ name: 'case', videoidPk })}>
        ← {t('capture.back')} <kbd>Esc</kbd>
      </button>
      <h1 id="capture-title" tabIndex={-1} ref={heading}>
        {t('capture.title', { pk: videoidPk })}
      </h1>
      <p className="muted">{t('capture.intro')}</p>
      {uploaded ? (
        <div className="notice notice-ok" role="status">
          <p>
            {t('capture.uploaded', {
              status: t(`status.${uploaded.status}` as 'status.VIDEOREVIEW', uploaded.status),
            })}
          </p>
          <button type="button" className="primary" onClick={() => go({ name: 'case', videoidPk })}>
            {t('capture.openCase')}
          </button>
        </div>
      ) : load.status === 'failed' ? (
        <RetryableError
          error={load.error}
          title={t('capture.openFailed')}
          onRetry={() => void open(videoidPk)}
        />
      ) : capture && capture.videoidPk === videoidPk && caseRead ? (
        <Steps capture={capture} person={person} />
      ) : (
        <p role="status" className="muted" aria-busy="true">
          {t('capture.loading')}
        </p>
      )}
    </section>
  )
}

function Steps({
  capture,
  person,
}: {
  capture: Capture
  person: Parameters<typeof DocumentStep>[0]['person']
}) {
  const { t } = useTranslation()
  const [step, setStep] = useState<Step>(() => STEPS.find((each) => !isDone(each, capture)) ?? 'upload')
  const title = useRef<HTMLHeadingElement>(null)
  // The step's heading takes the focus once it is drawn: the officer starts at the top of what changed.
  const goTo = (next: Step) => {
    setStep(next)
    requestAnimationFrame(() => title.current?.focus())
  }
  const index = STEPS.indexOf(step)
  const evidencesSent = capture.upload.evidences !== 'pending'
  const videoSent = capture.upload.video !== 'pending'

  return (
    <div className="capture-body">
      <nav aria-label={t('capture.steps')}>
        <ol className="capture-steps">
          {STEPS.map((each, at) => (
            <li key={each}>
              <button
                type="button"
                aria-current={each === step ? 'step' : undefined}
                className={isDone(each, capture) ? 'step-done' : undefined}
                onClick={() => goTo(each)}
              >
                {at + 1}. {t(`capture.stepNames.${each}`)}
                {each !== 'upload' && (
                  <span className="step-state">
                    {isDone(each, capture) ? t('capture.stepDone') : t('capture.stepToDo')}
                  </span>
                )}
              </button>
            </li>
          ))}
        </ol>
      </nav>
      <section className="card capture-step" aria-labelledby="step-title">
        <h2 id="step-title" tabIndex={-1} ref={title}>
          {t('capture.stepTitle', { n: index + 1, name: t(`capture.stepNames.${step}`) })}
        </h2>
        {evidencesSent && step !== 'video' && step !== 'upload' && (
          <p className="notice notice-ok">{t('capture.evidencesIn')}</p>
        )}
        {step === 'acceptance' && <AcceptanceStep locked={evidencesSent} />}
        {step === 'images' && <ImagesStep locked={evidencesSent} />}
        {step === 'document' && <DocumentStep person={person} locked={evidencesSent} />}
        {step === 'checks' && <ChecksStep locked={evidencesSent} />}
        {step === 'video' && <VideoStep locked={videoSent} />}
        {step === 'upload' && <UploadStep />}
        <div className="actions step-moves">
          {index > 0 && (
            <button type="button" onClick={() => goTo(STEPS[index - 1] ?? step)}>
              ← {t('capture.previous')}
            </button>
          )}
          {index < STEPS.length - 1 && (
            <button type="button" onClick={() => goTo(STEPS[index + 1] ?? step)}>
              {t('capture.next')} →
            </button>
          )}
        </div>
      </section>
    </div>
  )
}
