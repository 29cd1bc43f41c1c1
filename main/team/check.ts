import pg from 'pg'
import { AppError } from '../../shared/errors'
import { type TeamConnection, type TeamConnectionInfo, teamConnectionSchema } from '../../shared/team'
import { clientConfig, parseDeskUrl } from './config'
import { teamError } from './errors'
import { ROLES, requireSchema, SCHEMA_VERSION } from './schema'

/**
 * The connection check an officer runs from settings: reach, TLS, user and password, and whether the
 * schema suits this RAO Desk. It answers what the officer needs to read, or one typed error.
 */
export async function checkTeamConnection(options: {
  connection: TeamConnection
  extraCaPem?: string
  timeoutMs?: number
}): Promise<TeamConnectionInfo> {
  const parsed = teamConnectionSchema.safeParse(options.connection)
  if (!parsed.success)
    throw new AppError('invalid_input', 'Some of the values are not valid.', parsed.error.issues[0]?.message)
  const { url, user, password } = parsed.data
  const address = parseDeskUrl(url)
  const client = new pg.Client(
    clientConfig({
      address,
      user,
      password,
      ...(options.extraCaPem ? { extraCaPem: options.extraCaPem } : {}),
      applicationName: 'rao-desk check',
      connectTimeoutMs: options.timeoutMs ?? 10_000,
    }),
  )
  client.on('error', () => undefined)
  try {
    await client.connect()
    const { rows } = await client.query<{ version: string; role: string; officer: boolean; admin: boolean }>(
      `SELECT current_setting('server_version') AS version, session_user AS role,
         CASE WHEN to_regrole($1) IS NULL THEN false ELSE pg_has_role(session_user, $1, 'MEMBER') END AS officer,
         CASE WHEN to_regrole($2) IS NULL THEN false ELSE pg_has_role(session_user, $2, 'MEMBER') END AS admin`,
      [ROLES.officer, ROLES.admin],
    )
    const found = await requireSchema(client)
    const row = rows[0]
    if (!row) throw new AppError('internal', 'The team database gave no answer.')
    return {
      serverVersion: row.version,
      schemaVersion: found,
      appSchemaVersion: SCHEMA_VERSION,
      role: row.role,
      officer: row.officer,
      admin: row.admin,
      tls: address.tls,
    }
  } catch (error) {
    throw teamError(error)
  } finally {
    await client.end().catch(() => undefined)
  }
}
