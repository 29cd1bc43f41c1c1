import { type Environment, normalAddress } from '../shared/settings'

/**
 * The Optimizer and environment an operation works with: the same pk elsewhere is another case. An
 * operation takes its scope once, at its start, and keeps it, so that a setting changed meanwhile never
 * files cases, reads or decisions under the wrong one.
 */
export interface Scope {
  optimizer: string
  environment: Environment
}

const spellings = new Map<string, string>()
/** An address's one spelling, worked out once per address: every case in the book has a key made of it. */
function spellingOf(address: string): string {
  let spelling = spellings.get(address)
  if (spelling === undefined) {
    spelling = normalAddress(address)
    spellings.set(address, spelling)
  }
  return spelling
}

/** A scope as a key: the address in its one spelling, so two spellings of one Optimizer are one scope. */
export const scopeKey = (scope: Scope) => `${scope.environment} ${spellingOf(scope.optimizer)}`

export const sameScope = (a: Scope, b: Scope) => scopeKey(a) === scopeKey(b)
