import { useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ErrorMessage } from '../../components/ErrorMessage'
import { useCapture, useNavigation, useSettings } from '../../stores/context'
import { useStepSave } from './StepSave'

/** The signer's acceptance of the RA's privacy policy and terms, recorded with its time and this desk. */
export function AcceptanceStep({ locked }: { locked: boolean }) {
  const { t, i18n } = useTranslation()
  const acceptance = useCapture((state) => state.capture?.acceptance)
  const settings = useSettings((state) => state.settings)
  const go = useNavigation((state) => state.go)
  const saving = useStepSave('acceptance')
  const [accepted, setAccepted] = useState(false)
  const id = useId()
  const privacy = settings?.privacyPolicyUrl ?? ''
  const terms = settings?.termsUrl ?? ''

  const record = async () => {
    await saving.save({ accepted: true, userAgent: navigator.userAgent })
    setAccepted(false)
  }

  return (
    <div>
      <p>{t('capture.acceptanceIntro')}</p>
      <dl className="summary">
        <div className="summary-row">
          <dt>{t('capture.privacyPolicy')}</dt>
          <dd>{privacy ? <code>{privacy}</code> : t('capture.notSet')}</dd>
        </div>
        <div className="summary-row">
          <dt>{t('capture.terms')}</dt>
          <dd>{terms ? <code>{terms}</code> : t('capture.notSet')}</dd>
        </div>
      </dl>
      {(!privacy || !terms) && (
        <p className="notice notice-warning">
          {t('capture.urlsMissing')}{' '}
          <button type="button" className="link" onClick={() => go({ name: 'settings' })}>
            {t('capture.openSettings')}
          </button>
        </p>
      )}
      <div aria-live="polite">
        {acceptance && (
          <p className="notice notice-ok">
            {t('capture.acceptedAt', {
              time: new Date(acceptance.acceptedAt).toLocaleString(i18n.language),
              ip: acceptance.ip,
            })}
          </p>
        )}
      </div>
      {!locked && privacy && terms && (
        <>
          <div className="field">
            <label className="choice" htmlFor={id}>
              <input
                id={id}
                type="checkbox"
                checked={accepted}
                onChange={(event) => setAccepted(event.target.checked)}
              />
              {t('capture.acceptedCheckbox')}
            </label>
          </div>
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={!accepted || saving.busy}
              onClick={() => void record()}
            >
              {acceptance ? t('capture.recordAcceptanceAgain') : t('capture.recordAcceptance')}
            </button>
          </div>
        </>
      )}
      {saving.outcome && saving.outcome !== 'saved' && <ErrorMessage error={saving.outcome} />}
    </div>
  )
}
