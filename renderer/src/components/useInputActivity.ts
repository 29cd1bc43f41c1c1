import { useEffect } from 'react'

const INPUT_EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel'] as const

/** Calls `onInput` on any input on the page, seen before any handler can stop it. */
export function useInputActivity(onInput: () => void): void {
  useEffect(() => {
    for (const name of INPUT_EVENTS) window.addEventListener(name, onInput, { capture: true, passive: true })
    return () => {
      for (const name of INPUT_EVENTS) window.removeEventListener(name, onInput, { capture: true })
    }
  }, [onInput])
}
