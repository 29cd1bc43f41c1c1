/**
 * What gives a decision (validate, approve, refuse) the RAO's authority: the full credentials, or an
 * Optimizer token that stores them. Both carry the numeric RAO id. Held in main only.
 */
export type RaoAuthority =
  | { kind: 'credentials'; username: string; password: string; pin: string; rao: string }
  | { kind: 'token'; token: string; rao: string }

/** The body fields the API reads the authority from. */
export function authorityFields(authority: RaoAuthority): Record<string, string> {
  return authority.kind === 'credentials'
    ? { username: authority.username, password: authority.password, pin: authority.pin, rao: authority.rao }
    : { token: authority.token, rao: authority.rao }
}
