import { useId, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { IMAGE_LIMITS, type ImageSlot, imageSlots } from '../../../../shared/capture'
import type { AppErrorShape } from '../../../../shared/errors'
import { ErrorMessage } from '../../components/ErrorMessage'
import { formatSize } from '../../components/format'
import { useCapture } from '../../stores/context'
import { CameraPanel } from './CameraPanel'
import { type ImageProblem, type Prepared, prepareFile, stillOf } from './image-prep'
import { useCamera } from './useCamera'

/** Main's refusals of a picture are the same problems the page finds itself, shown by the field. */
const MAIN_PROBLEMS: Partial<Record<AppErrorShape['code'], ImageProblem>> = {
  not_an_image: 'not_an_image',
  image_too_large: 'too_large',
  image_too_small: 'too_small',
}

/** The four pictures the evidences carry, each from the camera's live view or from a file. */
export function ImagesStep({ locked }: { locked: boolean }) {
  const { t } = useTranslation()
  const camera = useCamera(false)
  const video = useRef<HTMLVideoElement>(null)
  const passport = useCapture((state) => state.capture?.document?.idDocumentType === 'PAS')
  return (
    <div>
      <p>{t('capture.imagesIntro', { side: IMAGE_LIMITS.maxSide })}</p>
      {!locked && <CameraPanel camera={camera} audio={false} video={video} />}
      <ul className="capture-images">
        {imageSlots.map((slot) => (
          <ImageSlotCard
            key={slot}
            slot={slot}
            locked={locked}
            optional={slot === 'document_rear' && passport}
            still={camera.stream ? () => (video.current ? stillOf(video.current) : undefined) : undefined}
          />
        ))}
      </ul>
    </div>
  )
}

function ImageSlotCard({
  slot,
  locked,
  optional,
  still,
}: {
  slot: ImageSlot
  locked: boolean
  optional: boolean
  still: (() => Promise<Prepared> | undefined) | undefined
}) {
  const { t, i18n } = useTranslation()
  const image = useCapture((state) => state.capture?.images[slot])
  const saveImage = useCapture((state) => state.saveImage)
  const removeImage = useCapture((state) => state.removeImage)
  const [problem, setProblem] = useState<ImageProblem | null>(null)
  const [failure, setFailure] = useState<AppErrorShape | null>(null)
  const [busy, setBusy] = useState(false)
  const file = useRef<HTMLInputElement>(null)
  const id = useId()
  const label = t(`capture.slots.${slot}`)

  // Preparing a picture never throws (what fails is a problem shown by the field), nor does saving it
  // (main's refusal is answered): the card is free again after each.
  const keep = async (prepared: Promise<Prepared> | undefined, source: 'camera' | 'file') => {
    if (!prepared || busy) return
    setBusy(true)
    setProblem(null)
    setFailure(null)
    const result = await prepared
    if (!result.ok) setProblem(result.problem)
    else {
      const error = await saveImage({ slot, source, data: result.data })
      const known = error && MAIN_PROBLEMS[error.code]
      if (known) setProblem(known)
      else setFailure(error)
    }
    setBusy(false)
  }
  const problemText =
    problem === 'too_large'
      ? t('capture.imageProblems.too_large', { limit: formatSize(IMAGE_LIMITS.maxFileBytes) })
      : problem === 'too_small'
        ? t('capture.imageProblems.too_small', { min: IMAGE_LIMITS.minSide })
        : problem
          ? t(`capture.imageProblems.${problem}`)
          : ''

  return (
    <li className="card capture-image" aria-labelledby={`${id}-label`} aria-busy={busy}>
      <h3 id={`${id}-label`} className="capture-image-title">
        {label}
      </h3>
      {image ? (
        <>
          <img src={image.url} alt={t('capture.imageAlt', { what: label })} />
          <p className="muted">
            {t('capture.imageFrom', {
              width: image.width,
              height: image.height,
              source: t(`capture.sources.${image.source}`),
              time: new Date(image.takenAt).toLocaleTimeString(i18n.language),
            })}
          </p>
        </>
      ) : (
        <p className="muted">{optional ? t('capture.rearNotNeeded') : t('capture.notTaken')}</p>
      )}
      {!locked && (
        <div className="actions">
          <button
            type="button"
            disabled={!still || busy}
            aria-describedby={`${id}-error`}
            onClick={() => void keep(still?.(), 'camera')}
          >
            {t('capture.takePicture')}
          </button>
          <button type="button" disabled={busy} onClick={() => file.current?.click()}>
            {t('capture.chooseFile')}
          </button>
          <input
            ref={file}
            type="file"
            accept="image/jpeg,image/png"
            hidden
            tabIndex={-1}
            aria-label={t('capture.chooseFileFor', { what: label })}
            aria-describedby={`${id}-error`}
            onChange={(event) => {
              const chosen = event.target.files?.[0]
              event.target.value = ''
              if (chosen) void keep(prepareFile(chosen), 'file')
            }}
          />
          {image && (
            <button
              type="button"
              disabled={busy}
              onClick={async () => setFailure(await removeImage({ slot }))}
            >
              {t('capture.remove')}
            </button>
          )}
        </div>
      )}
      <p id={`${id}-error`} className="field-error" aria-live="polite">
        {problemText}
      </p>
      {failure && <ErrorMessage error={failure} />}
    </li>
  )
}
