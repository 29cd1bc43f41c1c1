import type { ClientBase } from 'pg'
import { MIGRATIONS, ROLES } from './schema'

/** The schema the migrations make, built beside the team's own and thrown away. */
const SCRATCH = 'rao_team_expected'

/**
 * Every object of a schema that guards the rules, as one line each: functions (source, security, settings,
 * rights), policies, triggers (and whether they are enabled), tables' and columns' rights and owners.
 * Names of the schema inside are written as `rao_team`, so that two schemas compare line for line.
 */
async function fingerprint(client: ClientBase, schema: string): Promise<Map<string, string>> {
  const { rows } = await client.query<{ object: string; definition: string }>(
    `SELECT 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS object,
       concat_ws(' | ', pg_get_functiondef(p.oid), p.proacl::text, pg_get_userbyid(p.proowner)) AS definition
     FROM pg_proc p WHERE p.pronamespace = $1::regnamespace
     UNION ALL
     SELECT 'constraint ' || c.relname || '.' || con.conname, pg_get_constraintdef(con.oid)
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid WHERE c.relnamespace = $1::regnamespace
     UNION ALL
     SELECT 'index ' || c.relname, pg_get_indexdef(c.oid)
     FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('i', 'I')
     UNION ALL
     SELECT 'view ' || c.relname, concat_ws(' | ', pg_get_viewdef(c.oid), c.reloptions::text)
     FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('v', 'm')
     UNION ALL
     SELECT 'rule ' || c.relname || '.' || r.rulename, pg_get_ruledef(r.oid)
     FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
     WHERE c.relnamespace = $1::regnamespace AND r.rulename <> '_RETURN'
     UNION ALL
     SELECT 'column type ' || c.relname || '.' || a.attname,
       concat_ws(' | ', format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity, a.attgenerated,
         pg_get_expr(d.adbin, d.adrelid))
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0
       AND NOT a.attisdropped
     UNION ALL
     SELECT 'policy ' || c.relname || '.' || pol.polname,
       concat_ws(' | ', pol.polcmd, pol.polpermissive, pol.polroles::regrole[]::text,
         pg_get_expr(pol.polqual, pol.polrelid), pg_get_expr(pol.polwithcheck, pol.polrelid))
     FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid WHERE c.relnamespace = $1::regnamespace
     UNION ALL
     SELECT 'trigger ' || c.relname || '.' || t.tgname, concat_ws(' | ', t.tgenabled, pg_get_triggerdef(t.oid))
     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE c.relnamespace = $1::regnamespace AND NOT t.tgisinternal
     UNION ALL
     SELECT 'table ' || c.relname,
       concat_ws(' | ', c.relkind, c.relrowsecurity, c.relforcerowsecurity, c.relacl::text, pg_get_userbyid(c.relowner))
     FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('r', 'v', 'm', 'S', 'p', 'f')
     UNION ALL
     SELECT 'column ' || c.relname || '.' || a.attname, a.attacl::text
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.relnamespace = $1::regnamespace AND a.attnum > 0 AND a.attacl IS NOT NULL
     UNION ALL
     SELECT 'schema', concat_ws(' | ', n.nspacl::text, pg_get_userbyid(n.nspowner))
     FROM pg_namespace n WHERE n.oid = $1::regnamespace`,
    [schema],
  )
  const named = new RegExp(`\\b${schema}\\b`, 'g')
  const plain = (text: string) => text.replace(named, 'rao_team')
  return new Map(rows.map((row) => [plain(row.object), plain(row.definition)]))
}

/**
 * What the team schema holds that its migrations did not make, or holds otherwise: a policy, a trigger,
 * a right or a function body added or changed by hand (as an older RAO Desk's admins could, acting as
 * the owner). The migrations are run again into a scratch schema inside a transaction that is rolled
 * back, and the two are compared, at `version` (the schema's own, before an upgrade hides a change). Needs what `migrate` needs (a superuser, or CREATEROLE); empty when
 * the schema is as RAO Desk made it.
 */
export async function schemaDrift(client: ClientBase, version = MIGRATIONS.length): Promise<string[]> {
  await client.query('BEGIN')
  try {
    await client.query(`GRANT ${ROLES.owner} TO SESSION_USER`)
    await client.query(`SET LOCAL ROLE ${ROLES.owner}`)
    for (const migration of MIGRATIONS.slice(0, version))
      await client.query(migration.sql.replace(/\brao_team\b/g, SCRATCH))
    await client.query('RESET ROLE')
    const [made, found] = [await fingerprint(client, SCRATCH), await fingerprint(client, 'rao_team')]
    const drift: string[] = []
    for (const [object, definition] of found)
      if (!made.has(object)) drift.push(`${object}: not made by RAO Desk`)
      else if (made.get(object) !== definition) drift.push(`${object}: changed`)
    for (const object of made.keys()) if (!found.has(object)) drift.push(`${object}: missing`)
    return drift.sort()
  } finally {
    await client.query('ROLLBACK')
  }
}
