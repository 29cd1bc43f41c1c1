import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addOfficer, createRoles, initTeam } from '../../../main/team/admin'
import { checkTeamConnection } from '../../../main/team/check'
import { MIGRATIONS, migrate, SCHEMA_VERSION } from '../../../main/team/schema'
import type { Cluster } from '../../support/pg-cluster'
import { startCluster } from '../../support/pg-cluster'
import { connectAs, deskStore, type Officer, seedCases, superuser, teamCluster, waitFor } from './fixtures'

const ROOT = path.resolve(import.meta.dirname, '../../..')

/** Runs the admin command as an administrator would, with the password in PGPASSWORD. */
async function adminCommand(cluster: Cluster, args: string[]) {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'main/team/admin-cli.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, PGPASSWORD: cluster.superuserPassword }, encoding: 'utf8' },
    )
    return { code: 0, out: stdout }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    return { code: failed.code ?? -1, out: `${failed.stdout ?? ''}${failed.stderr ?? ''}` }
  }
}

describe('the schema is the app’s: versioned, upgraded by team:init under a lock, never by a desk', () => {
  let cluster: Cluster
  let admin: pg.Client
  let ana: Officer
  let chief: Officer
  const closers: (() => Promise<unknown>)[] = []

  beforeAll(async () => {
    cluster = await startCluster()
    admin = await superuser(cluster)
    // Roles only: the schema is not there yet.
    await createRoles(admin)
    ana = await addOfficer(admin, 'ana')
    chief = await addOfficer(admin, 'chief', { admin: true })
  }, 60_000)
  afterAll(async () => {
    for (const close of closers) await close().catch(() => undefined)
    await admin?.end().catch(() => undefined)
    await cluster?.close()
  })

  const connection = (officer: Officer) => ({
    url: cluster.url(),
    user: officer.role,
    password: officer.password,
  })
  const ownerMembers = async () =>
    (
      await admin.query(
        `SELECT pg_get_userbyid(member) AS member FROM pg_auth_members WHERE roleid = 'rao_team_owner'::regrole`,
      )
    ).rows

  it('tells an officer and an admin alike that the schema is missing; team:init makes it once, and their desks come online', async () => {
    for (const officer of [ana, chief])
      await expect(checkTeamConnection({ connection: connection(officer) })).rejects.toMatchObject({
        code: 'team_schema_old',
      })
    const desks = [deskStore(cluster, ana), deskStore(cluster, chief)]
    for (const desk of desks) {
      closers.push(() => desk.store.close())
      desk.store.start()
    }
    for (const desk of desks)
      await waitFor(() =>
        desk.states.some((state) => !state.online && state.problem?.code === 'team_schema_old'),
      )
    // A desk never makes or changes the schema, an admin's neither.
    expect((await admin.query(`SELECT to_regclass('rao_team.migrations') AS table`)).rows).toEqual([
      { table: null },
    ])

    // Two upgrades at the same moment take turns: the schema is made once.
    const second = await superuser(cluster)
    closers.push(() => second.end())
    const results = await Promise.all([migrate(admin), migrate(second)])
    expect(results.map((result) => result.to)).toEqual([SCHEMA_VERSION, SCHEMA_VERSION])
    expect(results.map((result) => result.from).sort()).toEqual([0, SCHEMA_VERSION])
    const applied = await admin.query('SELECT version, applied_by FROM rao_team.migrations ORDER BY version')
    expect(applied.rows).toEqual([
      { version: 1, applied_by: 'rao_test_superuser' },
      { version: 2, applied_by: 'rao_test_superuser' },
      { version: 3, applied_by: 'rao_test_superuser' },
      { version: 4, applied_by: 'rao_test_superuser' },
      { version: 5, applied_by: 'rao_test_superuser' },
    ])
    const owner = await admin.query(
      `SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class
       WHERE relnamespace = 'rao_team'::regnamespace`,
    )
    expect(owner.rows).toEqual([{ owner: 'rao_team_owner' }])
    expect(await ownerMembers()).toEqual([])
    // The desks, retrying, come online on their own.
    for (const desk of desks) await waitFor(() => desk.store.state().online, 10_000)
    expect(await checkTeamConnection({ connection: connection(ana) })).toMatchObject({
      schemaVersion: SCHEMA_VERSION,
      role: 'ana',
      officer: true,
      admin: false,
      tls: false,
      serverVersion: expect.stringMatching(/^\d+\.\d+/),
    })
    expect(await checkTeamConnection({ connection: connection(chief) })).toMatchObject({
      role: 'chief',
      admin: true,
    })
  }, 40_000)

  it('no login role can act as the owner: an admin is refused, and an older membership is undone by team:init', async () => {
    // An older RAO Desk made the admins the owner's members: as one, an admin could rewrite the journal.
    await admin.query('GRANT rao_team_owner TO rao_team_admin')
    const before = await connectAs(cluster, chief)
    closers.push(() => before.end())
    await expect(before.query('SET ROLE rao_team_owner')).resolves.toBeDefined()
    await before.query('RESET ROLE')

    await initTeam(admin)
    expect(await ownerMembers()).toEqual([])
    const after = await connectAs(cluster, chief)
    closers.push(() => after.end())
    await expect(after.query('SET ROLE rao_team_owner')).rejects.toThrow(/permission denied to set role/)
    await expect(after.query('ALTER TABLE rao_team.journal DISABLE TRIGGER ALL')).rejects.toThrow(
      /must be owner/,
    )
    await expect(after.query('TRUNCATE rao_team.journal')).rejects.toThrow(/permission denied/)
  })

  it('a role with CREATEROLE that owns the database sets it up, and keeps no hold on the owner', async () => {
    await admin.query(`CREATE ROLE dba LOGIN CREATEROLE PASSWORD 'dba-pw''"\\'`)
    await admin.query('CREATE DATABASE dba_team OWNER dba')
    const dba = await connectAs(cluster, { role: 'dba', password: `dba-pw'"\\` }, 'dba_team')
    closers.push(() => dba.end())
    expect(await initTeam(dba)).toEqual({ from: 0, to: SCHEMA_VERSION })
    expect(await ownerMembers()).toEqual([])
    await expect(dba.query('SET ROLE rao_team_owner')).rejects.toThrow(/permission denied to set role/)
    const tables = await dba.query(
      `SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relnamespace = 'rao_team'::regnamespace`,
    )
    expect(tables.rows).toEqual([{ owner: 'rao_team_owner' }])
  })

  it('tells an officer that the schema is newer than this RAO Desk, and leaves it alone', async () => {
    await admin.query(`INSERT INTO rao_team.migrations (version, name) VALUES ($1, 'from the future')`, [
      SCHEMA_VERSION + 1,
    ])
    try {
      await expect(checkTeamConnection({ connection: connection(ana) })).rejects.toMatchObject({
        code: 'team_schema_new',
      })
      const desk = deskStore(cluster, chief)
      closers.push(() => desk.store.close())
      desk.store.start()
      await waitFor(() =>
        desk.states.some((state) => !state.online && state.problem?.code === 'team_schema_new'),
      )
    } finally {
      await admin.query('DELETE FROM rao_team.migrations WHERE version > $1', [SCHEMA_VERSION])
    }
  })

  it('npm run team:init and team:add-officer make a database an officer can use', async () => {
    await admin.query('CREATE DATABASE cli_team')
    const url = cluster.adminUrl.replace('/rao_team', '/cli_team')
    const first = await adminCommand(cluster, ['init', url])
    expect(first).toMatchObject({ code: 0 })
    expect(first.out).toContain(`schema 0 -> ${SCHEMA_VERSION}`)
    expect(await adminCommand(cluster, ['init', url])).toMatchObject({
      code: 0,
      out: expect.stringContaining('nothing to upgrade'),
    })
    const added = await adminCommand(cluster, ['add-officer', url, 'dora'])
    expect(added.code).toBe(0)
    const password = /password[^:]*: (\S+)/.exec(added.out)?.[1]
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(
      await checkTeamConnection({
        connection: {
          url: `postgres://127.0.0.1:${cluster.port}/cli_team`,
          user: 'dora',
          password: password ?? '',
        },
      }),
    ).toMatchObject({ role: 'dora', officer: true, admin: false, schemaVersion: SCHEMA_VERSION })
    // The password lives in the server as a SCRAM verifier only.
    const stored = await admin.query(`SELECT rolpassword FROM pg_authid WHERE rolname = 'dora'`)
    expect(stored.rows[0].rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/)
    expect(stored.rows[0].rolpassword).not.toContain(password)

    const misuse = await adminCommand(cluster, ['add-officer', url])
    expect(misuse).toMatchObject({ code: 1, out: expect.stringContaining('usage:') })
    const badName = await adminCommand(cluster, ['add-officer', url, 'Robert"); DROP ROLE x; --'])
    expect(badName).toMatchObject({ code: 1, out: expect.stringContaining('lower case') })
    const inAddress = await adminCommand(cluster, ['init', url.replace('@', ':secret@')])
    expect(inAddress).toMatchObject({ code: 1, out: expect.stringContaining('must not hold a password') })
  }, 60_000)
})

describe('the schema’s owner, and a schema changed outside RAO Desk', () => {
  let team: Awaited<ReturnType<typeof teamCluster>>
  let ana: Officer
  let chief: Officer
  beforeAll(async () => {
    team = await teamCluster()
    ana = await team.officer('ana')
    chief = await team.officer('chief', { admin: true })
    await seedCases(team.admin, 700, 3)
  }, 60_000)
  afterAll(() => team?.close())

  const ownerMembers = async (client: pg.Client) =>
    (
      await client.query<{ member: string }>(
        `SELECT pg_get_userbyid(member) AS member FROM pg_auth_members WHERE roleid = 'rao_team_owner'::regrole`,
      )
    ).rows.map((row) => row.member)
  const version = async () =>
    (await team.admin.query<{ v: number }>('SELECT max(version) AS v FROM rao_team.migrations')).rows[0]?.v
  /** Schema 5 undone by hand, so that an upgrade has something to do. */
  const backToFour = async () => {
    await team.admin.query('DROP TRIGGER notify ON rao_team.cases')
    await team.admin.query(
      'CREATE TRIGGER notify AFTER INSERT OR UPDATE ON rao_team.cases FOR EACH STATEMENT EXECUTE FUNCTION rao_team.notify_change()',
    )
    await team.admin.query('DELETE FROM rao_team.migrations WHERE version = 5')
  }

  it('an upgrade that fails leaves neither the owner’s membership nor its version behind', async () => {
    await backToFour()
    // The upgrade's DROP TRIGGER is made to fail: the trigger is gone already.
    await team.admin.query('DROP TRIGGER notify ON rao_team.cases')
    await expect(migrate(team.admin)).rejects.toThrow(/does not exist/)
    expect(await ownerMembers(team.admin)).toEqual([])
    expect(await version()).toBe(4)
    await team.admin.query(
      'CREATE TRIGGER notify AFTER INSERT OR UPDATE ON rao_team.cases FOR EACH STATEMENT EXECUTE FUNCTION rao_team.notify_change()',
    )
  })

  it('an upgrade held up by an open transaction gives up, changing nothing; no one sees the membership while it waits', async () => {
    expect(await version()).toBe(4)
    const blocker = team.track(await superuser(team.cluster))
    const watcher = team.track(await superuser(team.cluster))
    const upgrader = team.track(await superuser(team.cluster))
    await blocker.query('BEGIN')
    await blocker.query('LOCK TABLE rao_team.cases IN ACCESS SHARE MODE')
    const upgrade = migrate(upgrader, { lockTimeoutMs: 3_000 }).then(
      () => 'upgraded',
      (error: { code?: string; message?: string }) => `${error.code}: ${error.message}`,
    )
    // The upgrade is inside its transaction, waiting for the DROP TRIGGER's lock.
    let waiting = false
    for (let tries = 0; tries < 100 && !waiting; tries++) {
      const { rows } = await watcher.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%DROP TRIGGER%'`,
      )
      waiting = rows[0].n > 0
      if (!waiting) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(waiting).toBe(true)
    expect(await ownerMembers(watcher)).toEqual([])
    expect(await upgrade).toMatch(/^team_unreachable: Another session holds the team tables/)
    expect(await version()).toBe(4)
    expect(await ownerMembers(watcher)).toEqual([])
    await blocker.query('COMMIT')
    expect(await migrate(upgrader)).toEqual({ from: 4, to: SCHEMA_VERSION })
  })

  it('leaves officers no schema to put a function of theirs in, as PostgreSQL before 15 let them', async () => {
    await team.admin.query('GRANT CREATE ON SCHEMA public TO PUBLIC')
    const before = team.track(await connectAs(team.cluster, ana))
    await before.query(`CREATE FUNCTION public.probe() RETURNS int LANGUAGE sql AS 'SELECT 1'`)
    await team.admin.query('DROP FUNCTION public.probe()')
    await initTeam(team.admin)
    await expect(
      before.query(
        `CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT '2001-01-01'::timestamptz $$`,
      ),
    ).rejects.toThrow(/permission denied for schema public/)
  })

  it('refuses, at team:init, a schema an admin changed while acting as the owner under an older version', async () => {
    // An older RAO Desk: the admins were the owner's members.
    await team.admin.query('GRANT rao_team_owner TO rao_team_admin')
    const chiefSql = team.track(await connectAs(team.cluster, chief))
    await chiefSql.query('SET ROLE rao_team_owner')
    await chiefSql.query(
      'CREATE POLICY upkeep ON rao_team.journal FOR UPDATE TO chief USING (true) WITH CHECK (true)',
    )
    await chiefSql.query(`CREATE OR REPLACE FUNCTION rao_team.journal_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF session_user = 'chief' THEN RETURN NEW; END IF;
        RAISE EXCEPTION 'the decision journal is append-only' USING ERRCODE = 'RD005';
      END $$`)
    await chiefSql.query('GRANT UPDATE ON rao_team.journal, rao_team.journal_head TO chief')
    await chiefSql.query('RESET ROLE')

    await expect(initTeam(team.admin)).rejects.toMatchObject({
      code: 'team_schema_changed',
      detail: [
        'function journal_frozen(): changed',
        'policy journal.upkeep: not made by RAO Desk',
        'table journal: changed',
        'table journal_head: changed',
      ].join('\n'),
    })
    // The membership is undone all the same.
    expect(await ownerMembers(team.admin)).toEqual([])
    await team.admin.query('DROP POLICY upkeep ON rao_team.journal')
    await team.admin.query('REVOKE UPDATE ON rao_team.journal, rao_team.journal_head FROM chief')
    // What else a hand can change: an index a rule stands on, a column's default.
    await team.admin.query('SET ROLE rao_team_owner')
    await team.admin.query('DROP INDEX rao_team.journal_local')
    await team.admin.query(`ALTER TABLE rao_team.claims ALTER COLUMN officer SET DEFAULT 'ana'`)
    await team.admin.query('RESET ROLE')
    const more = await initTeam(team.admin).then(
      () => '',
      (error: { detail?: string }) => error.detail ?? '',
    )
    expect(more).toContain('index journal_local: missing')
    expect(more).toContain('column type claims.officer: changed')
    expect(more).toContain('function journal_frozen(): changed')
    // And by the command, as an administrator runs it.
    const command = await adminCommand(team.cluster, ['init', team.cluster.adminUrl])
    expect(command).toMatchObject({ code: 1, out: expect.stringContaining('changed outside RAO Desk') })
    expect(command.out).toContain('index journal_local: missing')
  })

  it('compares before an upgrade too: a function changed at an older version is refused, not replaced', async () => {
    const cluster = await startCluster()
    const admin = await superuser(cluster)
    try {
      await createRoles(admin)
      // Schema 3, as an older RAO Desk made it, and a function of it changed by hand as the owner.
      await admin.query('BEGIN')
      await admin.query('SET LOCAL ROLE rao_team_owner')
      for (const [index, migration] of MIGRATIONS.slice(0, 3).entries()) {
        await admin.query(migration.sql)
        await admin.query('INSERT INTO rao_team.migrations (version, name) VALUES ($1, $2)', [
          index + 1,
          migration.name,
        ])
      }
      await admin.query(
        `CREATE OR REPLACE FUNCTION rao_team.validated_by(p_case bigint, p_officer text) RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT false $$`,
      )
      await admin.query('COMMIT')
      await expect(initTeam(admin)).rejects.toMatchObject({
        code: 'team_schema_changed',
        detail: expect.stringContaining('function validated_by(p_case bigint, p_officer text): changed'),
      })
      expect((await admin.query('SELECT max(version) AS v FROM rao_team.migrations')).rows[0].v).toBe(3)
    } finally {
      await admin.end().catch(() => undefined)
      await cluster.close()
    }
  }, 60_000)
})
