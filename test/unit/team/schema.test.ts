import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addOfficer, createRoles } from '../../../main/team/admin'
import { checkTeamConnection } from '../../../main/team/check'
import { migrate, SCHEMA_VERSION } from '../../../main/team/schema'
import type { Cluster } from '../../support/pg-cluster'
import { startCluster } from '../../support/pg-cluster'
import { connectAs, deskStore, type Officer, superuser, waitFor } from './fixtures'

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

describe('the schema is the app’s: versioned, upgraded on connect under a lock', () => {
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

  it('tells an officer that the schema is missing, and lets an admin upgrade it', async () => {
    await expect(checkTeamConnection({ connection: connection(ana) })).rejects.toMatchObject({
      code: 'team_schema_old',
    })
    const officerDesk = deskStore(cluster, ana)
    closers.push(() => officerDesk.store.close())
    officerDesk.store.start()
    await waitFor(() =>
      officerDesk.states.some((state) => !state.online && state.problem?.code === 'team_schema_old'),
    )
    expect(await checkTeamConnection({ connection: connection(chief) })).toMatchObject({
      schemaVersion: 0,
      appSchemaVersion: SCHEMA_VERSION,
      role: 'chief',
      admin: true,
      officer: true,
    })

    // Two admin desks connect at the same moment, and the admin command runs too: each upgrade waits its
    // turn, the schema is made once, and everyone ends up on it.
    const desks = [deskStore(cluster, chief, { desk: 'one' }), deskStore(cluster, chief, { desk: 'two' })]
    for (const desk of desks) closers.push(() => desk.store.close())
    const direct = await connectAs(cluster, chief)
    closers.push(() => direct.end())
    for (const desk of desks) desk.store.start()
    const [byCommand] = await Promise.all([
      migrate(direct),
      ...desks.map((desk) => waitFor(() => desk.store.state().online, 15_000)),
    ])
    expect(byCommand.to).toBe(SCHEMA_VERSION)
    for (const desk of desks) expect(desk.states.filter((state) => !state.online)).toEqual([])
    const applied = await admin.query('SELECT version, applied_by FROM rao_team.migrations ORDER BY version')
    expect(applied.rows).toEqual([
      { version: 1, applied_by: 'chief' },
      { version: 2, applied_by: 'chief' },
      { version: 3, applied_by: 'chief' },
      { version: 4, applied_by: 'chief' },
    ])
    const owner = await admin.query(
      `SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class
       WHERE relnamespace = 'rao_team'::regnamespace`,
    )
    expect(owner.rows).toEqual([{ owner: 'rao_team_owner' }])
    // The officer's desk, retrying, comes online on its own.
    await waitFor(() => officerDesk.store.state().online, 10_000)
    expect(await checkTeamConnection({ connection: connection(ana) })).toMatchObject({
      schemaVersion: SCHEMA_VERSION,
      role: 'ana',
      officer: true,
      admin: false,
      tls: false,
      serverVersion: expect.stringMatching(/^\d+\.\d+/),
    })
  }, 40_000)

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
