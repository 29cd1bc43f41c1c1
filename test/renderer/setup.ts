import '@testing-library/jest-dom/vitest'

// What jsdom lacks of the Chromium the renderer runs in: idle callbacks and modal dialogs.
if (typeof window !== 'undefined') {
  window.requestIdleCallback ??= (callback) =>
    window.setTimeout(() => callback({ didTimeout: false, timeRemaining: () => 50 }), 0)
  window.cancelIdleCallback ??= (handle) => window.clearTimeout(handle)
  const dialog = window.HTMLDialogElement?.prototype
  if (dialog && !dialog.showModal) {
    dialog.showModal = function showModal(this: HTMLDialogElement) {
      this.setAttribute('open', '')
    }
    dialog.close = function close(this: HTMLDialogElement) {
      this.removeAttribute('open')
      this.dispatchEvent(new Event('close'))
    }
  }
}
