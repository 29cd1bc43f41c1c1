/** Inputs that take no typing: their keys are single presses, and the app's letters may work over them. */
const PRESS_ONLY = new Set([
  'checkbox',
  'radio',
  'button',
  'submit',
  'reset',
  'range',
  'color',
  'file',
  'image',
])

/** Single-key shortcuts never fire while the officer types in a field. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  if (target instanceof HTMLInputElement) return !PRESS_ONLY.has(target.type)
  return target.isContentEditable || ['TEXTAREA', 'SELECT'].includes(target.tagName)
}

/** Keys a control answers itself: space presses a button or ticks a box, arrows move a slider. */
export function isOwnKey(event: KeyboardEvent): boolean {
  const target = event.target
  if (event.key === ' ') return target instanceof HTMLButtonElement || target instanceof HTMLInputElement
  if (event.key.startsWith('Arrow')) return target instanceof HTMLInputElement && target.type === 'range'
  return false
}
