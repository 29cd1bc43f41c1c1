import { Agent, type Dispatcher } from 'undici'

export interface Timeouts {
  /** Time to open the TCP+TLS connection. */
  connectMs: number
  /** Time from sending a request to receiving all of the answer's headers. */
  headersMs: number
  /** Longest silence allowed between two pieces of an answer's body. */
  bodyMs: number
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000 }

/** One keep-alive pool for every call to the Optimizer. */
export function createDispatcher(timeouts: Timeouts = DEFAULT_TIMEOUTS): Dispatcher {
  return new Agent({
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
    keepAliveTimeout: 10_000,
  })
}
