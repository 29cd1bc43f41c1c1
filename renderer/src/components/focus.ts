/**
 * A ref for a view's heading: it takes the focus when the view opens, so that keyboard and screen
 * reader users start at the top of what changed. Module-level, so React calls it once per mount.
 */
export const focusOnArrival = (heading: HTMLElement | null) => heading?.focus()
