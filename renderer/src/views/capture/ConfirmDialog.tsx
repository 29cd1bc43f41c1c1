import { useEffect, useId, useRef } from 'react'

/**
 * A question before something is deleted: a modal dialog, the focus on the answer that keeps things
 * (Esc answers it too), the deleting one beside it.
 */
export function ConfirmDialog({
  open,
  question,
  yes,
  no,
  onYes,
  onClose,
}: {
  open: boolean
  question: string
  yes: string
  no: string
  onYes: () => void
  onClose: () => void
}) {
  const dialog = useRef<HTMLDialogElement>(null)
  const keep = useRef<HTMLButtonElement>(null)
  const id = useId()
  useEffect(() => {
    const element = dialog.current
    if (!element) return
    if (open && !element.open) {
      element.showModal()
      keep.current?.focus()
    }
    if (!open && element.open) element.close()
  }, [open])
  return (
    <dialog ref={dialog} className="confirm" aria-labelledby={id} onClose={onClose}>
      <p id={id}>{question}</p>
      <div className="actions">
        <button type="button" className="danger" onClick={onYes}>
          {yes}
        </button>
        <button type="button" ref={keep} onClick={onClose}>
          {no}
        </button>
      </div>
    </dialog>
  )
}
