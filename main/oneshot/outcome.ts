import type { AppError } from '../../shared/errors'

/** Failures that mean the request never left the desk (no connection was made), so nothing happened. */
export const neverSent = (error: AppError) =>
  error.code === 'tls' ||
  (error.code === 'unreachable' && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN)$/.test(error.detail ?? ''))

export type Classified =
  | { phase: 'not_sent' | 'refused'; errorCode: string }
  | { phase: 'settled_done'; status: string }
  | { phase: 'unknown'; errorCode: string }

/** The request statuses that show a write on the Optimizer took effect, and those it can be made from. */
export interface StatusEffect {
  tookEffect: readonly string[]
  allowedFrom: readonly string[]
}

/**
 * What a failed write (a decision, an upload) means, from the error and, where one could be read, the
 * request's status read again after it. The status was read just before sending too, in the state
 * before the write, so its effect now is this attempt's, and always wins: a write that took effect is
 * done, whatever the answer said. An answer the Optimizer gave (4xx) said no; a 5xx (a proxy in front of
 * a server still working, say) or no answer at all decides nothing: it is `unknown` until a status
 * read settles it. One policy for every write, so the wording of an answer never decides anything.
 */
export function classifyByStatus(
  error: AppError,
  status: string | undefined,
  effect: StatusEffect,
): Classified {
  if (neverSent(error)) return { phase: 'not_sent', errorCode: error.code }
  if (status !== undefined && effect.tookEffect.includes(status)) return { phase: 'settled_done', status }
  if (error.httpStatus === undefined) return { phase: 'unknown', errorCode: error.code }
  if (status !== undefined && !effect.allowedFrom.includes(status))
    return { phase: 'refused', errorCode: 'wrong_state' }
  if (error.httpStatus < 500) return { phase: 'refused', errorCode: error.code }
  return { phase: 'unknown', errorCode: error.code }
}
