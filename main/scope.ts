import type { Environment } from '../shared/settings'

/**
 * The Optimizer and environment an operation works with: the same pk elsewhere is another case. An
 * operation takes its scope once, at its start, and keeps it, so that a setting changed meanwhile never
 * files cases, reads or decisions under the wrong one.
 */
export interface Scope {
  optimizer: string
  environment: Environment
}

export const sameScope = (a: Scope, b: Scope) =>
  a.optimizer === b.optimizer && a.environment === b.environment

export const scopeKey = (scope: Scope) => `${scope.environment} ${scope.optimizer}`
