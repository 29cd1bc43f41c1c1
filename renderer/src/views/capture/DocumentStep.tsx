import { type FormEvent, useId } from 'react'
import { useTranslation } from 'react-i18next'
import { type DocumentData, documentDataSchema, documentTypes } from '../../../../shared/capture'
import type { Person } from '../../../../shared/cases'
import { Field } from '../../components/Field'
import { useCheckedForm } from '../../components/useCheckedForm'
import { useCapture } from '../../stores/context'
import { StepSaveActions, useStepSave } from './StepSave'

type Form = Record<keyof DocumentData, string>

/** What the form starts from: the data saved, else what the case holds of the signer. */
function startingForm(saved: DocumentData | undefined, person: Person | undefined): Form {
  const from = (value: string | undefined) => value ?? ''
  const type = saved?.idDocumentType ?? person?.idDocumentType
  return {
    givenName: from(saved?.givenName ?? person?.givenName),
    surname1: from(saved?.surname1 ?? person?.surname1),
    surname2: from(saved?.surname2 ?? person?.surname2),
    serialNumber: from(saved?.serialNumber ?? person?.serialNumber),
    idDocumentType: documentTypes.find((known) => known === type) ?? 'IDC',
    idDocumentCountry: from(saved?.idDocumentCountry ?? person?.idDocumentCountry),
    mobilePhoneNumber: from(saved?.mobilePhoneNumber ?? person?.mobilePhoneNumber),
    email: from(saved?.email ?? person?.email),
  }
}

/** The data read from the document, checked as the API requires it. */
export function DocumentStep({ person, locked }: { person: Person | undefined; locked: boolean }) {
  const { t } = useTranslation()
  const saved = useCapture((state) => state.capture?.document)
  const { bind, check } = useCheckedForm(startingForm(saved, person), documentDataSchema)
  const saving = useStepSave()
  const typeId = useId()
  const typeField = bind('idDocumentType')

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const given = check(event.currentTarget as HTMLFormElement)
    if (given) await saving.save({ document: given as DocumentData })
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
