import type { ClientBase } from 'pg'
import { AppError } from '../../shared/errors'
import { sql as sharedSchema } from './migrations/001-shared-schema'
import { sql as journalReplay } from './migrations/002-journal-replay'
import { sql as takeNextClaims } from './migrations/003-take-next-claims'
import { sql as outcomesAndClaims } from './migrations/004-outcomes-and-claims'
import { sql as quietShares } from './migrations/005-quiet-shares'

/** The schema's versions in order, shipped inside the app: version n is `MIGRATIONS[n - 1]`. */
export const MIGRATIONS: readonly { name: string; sql: string }[] = [
  { name: 'shared schema', sql: sharedSchema },
  { name: 'journal entries written once', sql: journalReplay },
  { name: 'take-next locks only the claim', sql: takeNextClaims },
  { name: 'outcomes by their officer, claims by their desk', sql: outcomesAndClaims },
  { name: 'a share that changes nothing wakes no one', sql: quietShares },
]
export const SCHEMA_VERSION = MIGRATIONS.length

/** The roles the schema grants to: created by `team:init`, cluster-wide. */
export const ROLES = {
  /**
   * Owns every object. No login role is its member, so no one can act as it (and disable the journal's
   * triggers): `team:init` joins it for the upgrade's transaction only.
   */
  owner: 'rao_team_owner',
  /** Changes team settings. */
  admin: 'rao_team_admin',
  /** Every officer's login role is a member. */
  officer: 'rao_team_officer',
} as const

const LOCK_NOT_AVAILABLE = '55P03'

/** One lock for every desk's migration, whatever database it upgrades ("RAOD" in ASCII). */
const MIGRATION_LOCK = 0x5241_4f44

export async function schemaVersion(client: ClientBase): Promise<number> {
  const present = await client.query<{ table: string | null }>(
    `SELECT to_regclass('rao_team.migrations')::text AS table`,
  )
  if (!present.rows[0]?.table) return 0
  const { rows } = await client.query<{ version: number }>(
    'SELECT coalesce(max(version), 0) AS version FROM rao_team.migrations',
  )
  return rows[0]?.version ?? 0
}

export const schemaTooNew = (found: number) =>
  new AppError(
    'team_schema_new',
    'The team database was set up by a newer RAO Desk.',
    `schema ${found}, this RAO Desk knows ${SCHEMA_VERSION}`,
  )
export const schemaTooOld = (found: number) =>
  new AppError(
    'team_schema_old',
    'The team database has no RAO Desk schema or an older one: an administrator runs npm run team:init.',
    `schema ${found}, this RAO Desk needs ${SCHEMA_VERSION}`,
  )

/**
 * Brings the schema to this app's version under an advisory lock: two upgrades at once take turns, and
 * the second finds nothing left to do. The lock is the session's, taken before the transaction, so that
 * the transaction starts after the other's commit and reads the catalogue as it now is. The upgrade is
 * one transaction, made as the owner role, which the session's login role joins and leaves inside it: no
 * one else ever sees it a member, and a failed upgrade leaves no membership behind. It needs a superuser,
 * or a role with CREATEROLE (`team:init`). A schema newer than the app is left alone and reported.
 */
export async function migrate(
  client: ClientBase,
  options: { lockTimeoutMs?: number } = {},
): Promise<{ from: number; to: number }> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
  try {
    await client.query('BEGIN')
    // A session holding the team's tables (a transaction left open) would make the upgrade wait, and
    // every desk's reads queue behind it: the upgrade gives up instead, changing nothing.
    await client.query(`SET LOCAL lock_timeout = ${Math.round(options.lockTimeoutMs ?? 5000)}`)
    const from = await schemaVersion(client)
    if (from > SCHEMA_VERSION) throw schemaTooNew(from)
    if (from < SCHEMA_VERSION) {
      await client.query(`GRANT ${ROLES.owner} TO SESSION_USER`)
      await client.query(`SET LOCAL ROLE ${ROLES.owner}`)
      for (const [index, migration] of MIGRATIONS.entries()) {
        if (index < from) continue
        await client.query(migration.sql)
        await client.query('INSERT INTO rao_team.migrations (version, name) VALUES ($1, $2)', [
          index + 1,
          migration.name,
        ])
      }
      await client.query('RESET ROLE')
      await client.query(`REVOKE ${ROLES.owner} FROM SESSION_USER`)
    }
    await client.query('COMMIT')
    return { from, to: SCHEMA_VERSION }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    if ((error as { code?: unknown }).code === LOCK_NOT_AVAILABLE)
      throw new AppError(
        'team_unreachable',
        'Another session holds the team tables (a transaction left open?): the upgrade changed nothing. Try again once it ends.',
      )
    throw error
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined)
  }
}

/**
 * What a desk does on connecting: it uses a schema at this app's version, and reports an older or a newer
 * one. A desk never changes the schema (its officer, an admin too, cannot act as the owner).
 */
export async function requireSchema(client: ClientBase): Promise<number> {
  const found = await schemaVersion(client)
  if (found > SCHEMA_VERSION) throw schemaTooNew(found)
  if (found < SCHEMA_VERSION) throw schemaTooOld(found)
  return found
}
