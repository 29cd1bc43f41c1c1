import type { EchoForm } from './echo'

/** A misbehaviour the simulator puts on the next matching requests. */
export type Fault =
  /** The request is handled, then the answer waits `ms` before it is sent. */
  | { kind: 'latency'; ms: number }
  /**
   * The answer is this status. With `handled`, the request is handled first (a proxy's 502 after the
   * server did the work); without, nothing happens.
   */
  | { kind: 'status'; status: number; handled?: boolean }
  /** The request is handled, then the connection is cut in the middle of the answer's body. */
  | { kind: 'reset' }
  /**
   * The request arrives and is counted, the connection is cut with no answer, and nothing happens yet:
   * a server still working on it (a test then moves the case on, or leaves it, as a slow server would).
   */
  | { kind: 'drop' }
  /** The connection is cut once half of the request's body has arrived (an upload cut halfway): nothing happens. */
  | { kind: 'cut' }
  /** The request is handled, then the answer's body stops halfway and never ends. */
  | { kind: 'stall' }
  /** The request is handled, then the answer is cut-off JSON. */
  | { kind: 'malformed' }
  /** The request is handled, then the answer is an HTML page. */
  | { kind: 'wrongType' }
  /**
   * The request fails with the path and body it carried repeated inside the error's details, as the
   * reference shows upstream RA errors coming back (oneshot-api-notes §6), in the form given (`json`
   * unless said, see `EchoForm`); the exact wording is ours.
   */
  | { kind: 'echo'; as?: EchoForm }

export interface FaultRule {
  /**
   * `METHOD /path` with `*` for one path segment, e.g. `POST /videoid/ * /approve` without the spaces;
   * a lone `*` matches every request (a misconfigured proxy in front of the Optimizer, say).
   */
  route: string
  fault: Fault
  /** How many matching requests get it; 1 unless said. */
  times?: number
}

export class FaultBook {
  private readonly rules: { pattern: RegExp; fault: Fault; left: number }[] = []

  add(rule: FaultRule): void {
    const pattern =
      rule.route === '*' ? /^/ : new RegExp(`^${rule.route.split('*').map(escapeRegExp).join('[^/]+')}$`)
    this.rules.push({ pattern, fault: rule.fault, left: rule.times ?? 1 })
  }

  clear(): void {
    this.rules.length = 0
  }

  /** The fault for this request, used up as it is taken. */
  take(method: string, path: string): Fault | undefined {
    const rule = this.rules.find(
      (candidate) => candidate.left > 0 && candidate.pattern.test(`${method} ${path}`),
    )
    if (!rule) return undefined
    rule.left--
    return rule.fault
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
