/** A size in kB below a megabyte, in MB above: the units an officer reads at a glance. */
export function formatSize(bytes: number): string {
  return bytes < 1_000_000 ? `${Math.round(bytes / 1000)} kB` : `${(bytes / 1_000_000).toFixed(1)} MB`
}

/** A position in a video as minutes and seconds. */
export function formatClock(seconds: number): string {
  const whole = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0))
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`
}

/** A date and time as the operating system's locale writes them (the platform's default locale). */
export const formatDateTime = (iso: string) =>
  new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/** A time of day, to the second, as the operating system's locale writes it. */
export const formatTime = (iso: string) => new Date(iso).toLocaleTimeString(undefined)
