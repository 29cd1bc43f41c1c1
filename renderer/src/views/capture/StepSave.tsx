import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ErrorMessage } from '../../components/ErrorMessage'
import type { PartInput, StepPart, StepSave } from '../../stores/capture-store'
import { useCapture } from '../../stores/context'

const idle = { busy: false, sent: null, outcome: null } as const

/**
 * A step's save of its part, as the capture store keeps it: one at a time, what it sent until main holds
 * it, and what became of the last one (saved, or its error).
 */
export function useStepSave<P extends StepPart>(part: P) {
  const saving: StepSave<P> = useCapture((state) => state.steps[part]) ?? idle
  const saveStep = useCapture((state) => state.saveStep)
  return { ...saving, save: (value: PartInput<P>) => saveStep(part, value) }
}

type Values = Record<string, string | boolean>
const sameValues = (a: Values, b: Values) =>
  Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((key) => a[key] === b[key])

/**
 * Keeps a step's form on what it is seeded from (the values saved, or being saved): when those change
 * (a save landed, as main keeps it), the form takes them, unless the officer has changed the form since
 * it was last seeded; what they typed meanwhile is theirs.
 */
export function useReseed<F extends Values>(seed: F, form: F, reset: (values: F) => void) {
  const [base, setBase] = useState(seed)
  // Adjusted while drawing, as React advises for state that follows a value: no frame shows the old one.
  if (!sameValues(seed, base)) {
    setBase(seed)
    if (sameValues(form, base)) reset(seed)
  }
}

/** The step's save button and what became of its last save; no button while the capture cannot change. */
export function StepSaveActions({
  label,
  locked,
  saving,
}: {
  label: string
  locked: boolean
  saving: Pick<StepSave<StepPart>, 'busy' | 'outcome'>
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
