import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'

const KEYS = [
  ['Space', 'help.playPause'],
  ['← →', 'help.seek'],
  [', .', 'help.frame'],
  ['[ ]', 'help.speed'],
  ['F', 'help.fullScreen'],
  ['S', 'help.snapshot'],
  ['A  V', 'help.approve'],
  ['R', 'help.refuse'],
  ['N', 'help.next'],
  ['?', 'help.help'],
  ['Esc', 'help.back'],
  ['Ctrl+L', 'help.lock'],
] as const

/** The case view's keys, listed; Esc or the button closes it. */
export function HelpDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation()
  const dialog = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const element = dialog.current
    if (!element) return
    if (open && !element.open) element.showModal()
    if (!open && element.open) element.close()
  }, [open])
  return (
    <dialog ref={dialog} className="help" aria-labelledby="help-title" onClose={onClose}>
      <h2 id="help-title">{t('help.title')}</h2>
      <dl>
        {KEYS.map(([key, text]) => (
          <div key={key} className="summary-row">
            <dt>
              <kbd>{key}</kbd>
            </dt>
            <dd>{t(text)}</dd>
          </div>
        ))}
      </dl>
      <p className="hint">{t('help.notInFields')}</p>
      <button type="button" onClick={onClose}>
        {t('help.close')}
      </button>
    </dialog>
  )
}
