import type { RaoApi } from '../../shared/api'

declare global {
  interface Window {
    /** Placed by the preload script (or the test harness): the only way to reach main. */
    readonly rao: RaoApi
  }
}
