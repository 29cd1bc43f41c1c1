/** The slice of Electron's `app` that quitting needs. */
export interface QuittingApp {
  on(event: 'will-quit', listener: (event: { preventDefault(): void }) => void): unknown
  quit(): void
}

/** How long quitting waits for the services: a download's clean-up or a journal write, not a hung call. */
export const CLOSE_DEADLINE_MS = 5000

/**
 * Holds the quit until the services have closed (downloads stopped and cleaned up, a decision's journal
 * entry written, settlements finished), or until the deadline, then quits for real. Without this, Electron
 * quits the moment `will-quit` returns and work under way is cut short.
 */
export function closeBeforeQuit(
  app: QuittingApp,
  close: () => Promise<void>,
  log: { warn(message: string): void },
  deadlineMs = CLOSE_DEADLINE_MS,
): void {
  let closed = false
  app.on('will-quit', (event) => {
    if (closed) return
    event.preventDefault()
    let timer: ReturnType<typeof setTimeout> | undefined
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        log.warn('quitting before the services closed: the deadline passed')
        resolve()
      }, deadlineMs)
    })
    void Promise.race([close().catch(() => undefined), deadline]).then(() => {
      clearTimeout(timer)
      closed = true
      app.quit()
    })
  })
}
