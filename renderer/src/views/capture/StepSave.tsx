import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { AppErrorShape } from '../../../../shared/errors'
import { ErrorMessage } from '../../components/ErrorMessage'
import type { CaptureState } from '../../stores/capture-store'
import { useCapture } from '../../stores/context'

/** A step's form saved whole: one save at a time, and what became of the last one (saved, or its error). */
export function useStepSave() {
  const save = useCapture((state) => state.save)
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<'saved' | AppErrorShape | null>(null)
  const run = async (input: Parameters<CaptureState['save']>[0]) => {
    if (busy) return
    setBusy(true)
    const error = await save(input)
    setOutcome(error ?? 'saved')
    setBusy(false)
  }
  return { busy, outcome, save: run }
}

/** The step's save button and what became of its last save; no button while the capture cannot change. */
export function StepSaveActions({
  label,
  locked,
  saving,
}: {
  label: string
  locked: boolean
  saving: ReturnType<typeof useStepSave>
}) {
  const { t } = useTranslation()
  const { busy, outcome } = saving
  return (
    <>
      {!locked && (
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {label}
          </button>
          <p role="status" className="muted">
            {outcome === 'saved' ? t('capture.saved') : ''}
          </p>
        </div>
      )}
      {outcome && outcome !== 'saved' && <ErrorMessage error={outcome} />}
    </>
  )
}
