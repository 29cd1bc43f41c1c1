import { AppError, type ErrorCode } from '../../shared/errors'
import { TLS_PROBLEMS } from '../oneshot/errors'

/** The SQLSTATEs the schema's own rules raise (class RD: RAO Desk), and what each means to a desk. */
export const RULES: Readonly<Record<string, readonly [ErrorCode, string]>> = {
  RD001: ['team_no_claim', 'You do not hold a live claim on this case.'],
  RD002: ['four_eyes', 'Four eyes: another officer must approve a case you validated.'],
  RD003: ['not_found', 'The team database does not know this case.'],
  RD004: ['invalid_input', 'This outcome does not follow an intended entry of the same case and action.'],
  RD005: ['team_forbidden', 'The decision journal is append-only.'],
  RD006: ['team_forbidden', 'Only the officer who intended a decision writes its outcome.'],
  RD007: ['invalid_input', 'This decision already has its final outcome.'],
  RD008: ['team_no_claim', 'A decision on this case from another desk is still waiting for its outcome.'],
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ETIMEDOUT',
  'EPIPE',
])

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * A failure of the team database as the app's error shape: what an officer can act on (reach, TLS,
 * password, schema, a rule the database enforced), never the statement or its values.
 */
export function teamError(error: unknown): AppError {
  if (error instanceof AppError) return error
  const { code, detail } = (error ?? {}) as { code?: unknown; detail?: unknown }
  const message = messageOf(error)
  if (typeof code === 'string') {
    const rule = RULES[code]
    if (rule) return new AppError(rule[0], rule[1], message)
    if (code in TLS_PROBLEMS)
      return new AppError(
        'team_tls',
        'A secure connection to the team database could not be made.',
        TLS_PROBLEMS[code],
      )
    if (UNREACHABLE.has(code) || code.startsWith('08') || code === '57P01' || code === '57P03')
      return new AppError('team_unreachable', 'Cannot reach the team database.', message)
    // 28P01: wrong password or no such role (the server does not say which); 28000: no entry in pg_hba.
    if (code === '28P01' || code === '28000')
      return new AppError('team_auth', 'The team database refused this user or password.', message)
    if (code === '42501')
      return new AppError('team_forbidden', 'The team database does not allow this role to do that.', message)
    if (code === '3D000')
      return new AppError('team_unreachable', 'The team database does not exist on that server.', message)
    if (code === '3F000' || code === '42P01')
      return new AppError('team_schema_old', 'The team database has no RAO Desk schema.', message)
    if (code === '57014')
      return new AppError('team_unreachable', 'The team database took too long to answer.', message)
  }
  if (/does not support SSL|SSL connection|self.signed|certificate/i.test(message))
    return new AppError('team_tls', 'A secure connection to the team database could not be made.', message)
  if (/timeout|terminated|Connection terminated|not queryable|ended/i.test(message))
    return new AppError('team_unreachable', 'Cannot reach the team database.', message)
  return new AppError(
    'internal',
    'The team database gave an unexpected answer.',
    typeof detail === 'string' ? detail : message,
  )
}
