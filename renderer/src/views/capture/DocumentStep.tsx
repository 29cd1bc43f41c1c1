import { type FormEvent, useId } from 'react'
import { useTranslation } from 'react-i18next'
import { type DocumentData, documentDataSchema, documentTypes } from '../../../../shared/capture'
import type { Person } from '../../../../shared/cases'
import { Field } from '../../components/Field'
import { useCheckedForm } from '../../components/useCheckedForm'
import { useCapture } from '../../stores/context'
import { StepSaveActions, useReseed, useStepSave } from './StepSave'

type Form = Record<keyof DocumentData, string>

/** What the form starts from: the data saved (or being saved), else what the case holds of the signer. */
function startingForm(saved: DocumentData | null | undefined, person: Person | undefined): Form {
  const from = saved ?? person
  const text = (value: string | undefined) => value ?? ''
  return {
    givenName: text(from?.givenName),
    surname1: text(from?.surname1),
    surname2: text(from?.surname2),
    serialNumber: text(from?.serialNumber),
    idDocumentType: documentTypes.find((known) => known === from?.idDocumentType) ?? 'IDC',
    idDocumentCountry: text(from?.idDocumentCountry),
    mobilePhoneNumber: text(from?.mobilePhoneNumber),
    email: text(from?.email),
  }
}

/** The data read from the document, checked as the API requires it. */
export function DocumentStep({ person, locked }: { person: Person | undefined; locked: boolean }) {
  const { t } = useTranslation()
  const saved = useCapture((state) => state.capture?.document)
  const saving = useStepSave('document')
  const seed = startingForm(saving.sent ?? saved, person)
  const { bind, check, values, reset } = useCheckedForm(seed, documentDataSchema)
  useReseed(seed, values, reset)
  const typeId = useId()
  const typeField = bind('idDocumentType')

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const given = check(event.currentTarget as HTMLFormElement)
    if (given) await saving.save(given as DocumentData)
  }

  return (
    <form onSubmit={submit} noValidate aria-busy={saving.busy}>
      <p>{t('capture.documentIntro')}</p>
      <fieldset className="capture-fields" disabled={locked}>
        <legend className="visually-hidden">{t('capture.stepNames.document')}</legend>
        <Field label={t('capture.givenName')} maxLength={100} {...bind('givenName')} />
        <Field label={t('capture.surname1')} maxLength={100} {...bind('surname1')} />
        <Field label={t('capture.surname2')} maxLength={100} {...bind('surname2')} />
        <div className="field">
          <label htmlFor={typeId}>{t('capture.documentType')}</label>
          <select id={typeId} value={typeField.value} onChange={typeField.onChange}>
            {documentTypes.map((type) => (
              <option key={type} value={type}>
                {t(`capture.documentTypes.${type}`)}
              </option>
            ))}
          </select>
        </div>
        <Field label={t('capture.serialNumber')} maxLength={40} {...bind('serialNumber')} />
        <Field
          label={t('capture.country')}
          hint={t('capture.countryHint')}
          maxLength={2}
          {...bind('idDocumentCountry')}
        />
        <Field
          label={t('capture.phone')}
          type="tel"
          inputMode="tel"
          hint={t('add.phoneHint')}
          maxLength={24}
          {...bind('mobilePhoneNumber')}
        />
        <Field label={t('capture.email')} type="email" maxLength={254} {...bind('email')} />
      </fieldset>
      <StepSaveActions label={t('capture.saveDocument')} locked={locked} saving={saving} />
    </form>
  )
}
