import { type FormEvent, useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { type Checks, checksSchema, type SecurityCheck, securityChecks } from '../../../../shared/capture'
import { useCapture } from '../../stores/context'
import { StepSaveActions, useReseed, useStepSave } from './StepSave'

type Form = Record<SecurityCheck, boolean> & { similarity: string }

/** The form as the checks are (none ticked, no level, where there are none yet). */
function formOf(checks: Checks | null | undefined): Form {
  const ticked = Object.fromEntries(securityChecks.map((check) => [check, checks?.[check] ?? false]))
  return {
    ...(ticked as Record<SecurityCheck, boolean>),
    similarity: checks ? String(checks.similarityLevel) : '',
  }
}

/** The API's security checks as the officer made them, and how alike the face and the document's photo are. */
export function ChecksStep({ locked }: { locked: boolean }) {
  const { t } = useTranslation()
  const saved = useCapture((state) => state.capture?.checks)
  const saving = useStepSave('checks')
  const seed = formOf(saving.sent ?? saved)
  const [form, setForm] = useState(seed)
  useReseed(seed, form, setForm)
  const [touched, setTouched] = useState(false)
  const ids = { similarity: useId(), hint: useId() }
  const { similarity, ...ticked } = form
  const parsed = checksSchema.safeParse({
    ...ticked,
    similarityLevel: /^\d+$/.test(similarity) ? Number(similarity) : NaN,
  })
  const invalid = touched && !parsed.success

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setTouched(true)
    if (parsed.success) await saving.save(parsed.data)
  }

  return (
    <form onSubmit={submit} noValidate aria-busy={saving.busy}>
      <p>{t('capture.checksIntro')}</p>
      <fieldset className="checklist" disabled={locked}>
        <legend>{t('capture.checksLegend')}</legend>
        {securityChecks.map((check) => (
          <label key={check} className="choice check-item">
            <input
              type="checkbox"
              checked={form[check]}
              onChange={(event) => setForm((current) => ({ ...current, [check]: event.target.checked }))}
            />
            {t(`capture.checks.${check}`)}
          </label>
        ))}
        <div className="field">
          <label htmlFor={ids.similarity}>{t('capture.similarity')}</label>
          <input
            id={ids.similarity}
            type="number"
            inputMode="numeric"
            min={0}
            max={100}
            step={1}
            value={similarity}
            aria-invalid={invalid}
            aria-describedby={ids.hint}
            onChange={(event) =>
              setForm((current) => ({ ...current, similarity: event.target.value.trim() }))
            }
            onBlur={() => setTouched(true)}
          />
          <p id={ids.hint} className={invalid ? 'field-error' : 'hint'} aria-live="polite">
            {invalid ? t('capture.similarityInvalid') : t('capture.similarityHint')}
          </p>
        </div>
      </fieldset>
      <StepSaveActions label={t('capture.saveChecks')} locked={locked} saving={saving} />
    </form>
  )
}
