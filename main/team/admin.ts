import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto'
import { type ClientBase, escapeIdentifier, escapeLiteral } from 'pg'
import { AppError } from '../../shared/errors'
import { roleNameSchema } from '../../shared/team'
import { schemaDrift } from './audit'
import { migrate, ROLES, SCHEMA_VERSION, schemaVersion } from './schema'

/**
 * A SCRAM-SHA-256 verifier (RFC 5802/7677, as PostgreSQL stores it): the server gets this, never the
 * password, so no statement log can hold it.
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256')
  const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest()
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest()
  const serverKey = hmac(salted, 'Server Key')
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
}

/**
 * `team:init`: the three group roles (made once, cluster-wide), the database rights the owner needs, and
 * the schema at this app's version. Run again, it only upgrades. Each run then compares the schema with
 * what the migrations make, and refuses a schema changed outside them. Needs a role that may create roles.
 */
export async function initTeam(client: ClientBase): Promise<{ from: number; to: number }> {
  await createRoles(client)
  // Compared before the upgrade too: an upgrade replaces functions, and would hide a change made to them.
  const found = await schemaVersion(client)
  if (found > 0 && found < SCHEMA_VERSION) refuseDrift(await schemaDrift(client, found))
  const upgraded = await migrate(client)
  refuseDrift(await schemaDrift(client))
  return upgraded
}

function refuseDrift(drift: string[]): void {
  if (drift.length)
    throw new AppError(
      'team_schema_changed',
      'The team schema was changed outside RAO Desk (by hand, or by an admin acting as its owner under an older version): its rules cannot be trusted. Restore the database from a backup taken before the change, or undo what is listed.',
      drift.join('\n'),
    )
}

/** The group roles and the database rights they need; what exists already is left as it is. */
export async function createRoles(client: ClientBase): Promise<void> {
  const { rows } = await client.query<{ database: string; allowed: boolean }>(
    `SELECT current_database() AS database,
       (SELECT r.rolsuper OR (r.rolcreaterole AND d.datdba = r.oid) FROM pg_roles r, pg_database d
        WHERE r.rolname = current_user AND d.datname = current_database()) AS allowed`,
  )
  const { database, allowed } = rows[0] ?? { database: '', allowed: false }
  if (!allowed)
    throw new AppError(
      'team_forbidden',
      'team:init needs a superuser, or a role with CREATEROLE that owns the database.',
    )
  for (const role of [ROLES.owner, ROLES.admin, ROLES.officer]) {
    const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])
    if (!exists.rowCount) await client.query(`CREATE ROLE ${role} NOLOGIN`)
  }
  // No role belongs to the owner (a member could disable the journal's triggers and rewrite it); an older
  // RAO Desk made the admins its members: that is undone here.
  const members = await client.query<{ member: string }>(
    'SELECT pg_get_userbyid(member) AS member FROM pg_auth_members WHERE roleid = to_regrole($1)',
    [ROLES.owner],
  )
  for (const { member } of members.rows)
    await client.query(`REVOKE ${ROLES.owner} FROM ${escapeIdentifier(member)}`)
  // Officers create nothing anywhere: a function of theirs in a schema on the search path (PUBLIC may
  // create in `public` before PostgreSQL 15) could stand in for one the rules call, such as now().
  const publicSchema = await client.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'public'`)
  if (publicSchema.rowCount) await client.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC')
  await client.query(`GRANT CONNECT, CREATE ON DATABASE ${escapeIdentifier(database)} TO ${ROLES.owner}`)
  await client.query(
    `GRANT CONNECT ON DATABASE ${escapeIdentifier(database)} TO ${ROLES.admin}, ${ROLES.officer}`,
  )
}

/**
 * `team:add-officer`: a login role for one officer, member of the officers' group (and the admins' with
 * `admin`), with a new random password, which is returned once and stored nowhere but as a verifier.
 * An existing role gets a new password and the memberships.
 */
export async function addOfficer(
  client: ClientBase,
  name: string,
  options: { admin?: boolean } = {},
): Promise<{ role: string; password: string; created: boolean }> {
  const parsed = roleNameSchema.safeParse(name)
  if (!parsed.success)
    throw new AppError(
      'invalid_input',
      'An officer role name is lower case letters, digits and _ (not rao_team_ or pg_).',
      name,
    )
  const role = parsed.data
  const password = randomBytes(24).toString('base64url')
  const verifier = escapeLiteral(scramVerifier(password))
  const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])
  const created = !exists.rowCount
  await client.query(
    created
      ? `CREATE ROLE ${escapeIdentifier(role)} LOGIN PASSWORD ${verifier}`
      : `ALTER ROLE ${escapeIdentifier(role)} LOGIN PASSWORD ${verifier}`,
  )
  await client.query(`GRANT ${ROLES.officer} TO ${escapeIdentifier(role)}`)
  if (options.admin) await client.query(`GRANT ${ROLES.admin} TO ${escapeIdentifier(role)}`)
  return { role, password, created }
}
