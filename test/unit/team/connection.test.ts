import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import tls from 'node:tls'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkTeamConnection } from '../../../main/team/check'
import { clientConfig, isLoopback, parseTeamUrl } from '../../../main/team/config'
import { createTeamStore } from '../../../main/team/store'
import { AppError } from '../../../shared/errors'
import { deskStore, type Officer, quiet, SCOPE, teamCluster } from './fixtures'

/** A fresh self-signed certificate for 127.0.0.1: the server's, and the CA a desk is given. */
function certificateFor127(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'rao-team-tls-'))
  try {
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')]
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ]),
      { stdio: 'ignore' },
    )
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function failureOf(promise: Promise<unknown>): Promise<AppError> {
  const outcome = await promise.then(
    () => new Error('it succeeded'),
    (error: unknown) => error,
  )
  if (!(outcome instanceof AppError)) throw outcome
  return outcome
}

describe('the address and its TLS policy', () => {
  it('counts only this computer as loopback, without resolving names', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '127.8.9.10', '::1', '[::1]'])
      expect(isLoopback(host)).toBe(true)
    for (const host of [
      'db.example.org',
      '10.0.0.5',
      '128.0.0.1',
      '::2',
      '127.0.0.1.nip.io',
      'localhost.example.org',
    ])
      expect(isLoopback(host)).toBe(false)
  })

  it('always verifies TLS to a database elsewhere, and refuses to go without it', () => {
    const remote = parseTeamUrl('postgres://db.example.org:6432/rao')
    expect(remote).toEqual({ host: 'db.example.org', port: 6432, database: 'rao', tls: true })
    const config = clientConfig({ address: remote, user: 'ana', password: 'p', applicationName: 't' })
    expect(config.ssl).toMatchObject({ rejectUnauthorized: true })
    expect(parseTeamUrl('postgres://db.example.org/rao?sslmode=verify-full').tls).toBe(true)
    for (const url of [
      'postgres://db.example.org/rao?sslmode=disable',
      'postgres://10.1.2.3/rao?sslmode=disable',
    ])
      expect(() => parseTeamUrl(url)).toThrowError(expect.objectContaining({ code: 'team_tls_required' }))
    // Modes that would weaken it are not read at all.
    for (const mode of ['require', 'prefer', 'allow', 'verify-ca'])
      expect(() => parseTeamUrl(`postgres://db.example.org/rao?sslmode=${mode}`)).toThrowError(
        expect.objectContaining({ code: 'invalid_input' }),
      )
    // On this computer, plain unless asked for.
    expect(parseTeamUrl('postgres://127.0.0.1/rao').tls).toBe(false)
    expect(parseTeamUrl('postgres://localhost/rao?sslmode=verify-full').tls).toBe(true)
  })

  it('refuses a plain connection elsewhere before anything goes on the network', async () => {
    // `.invalid` never resolves: had the client tried, the error would say "unreachable".
    const connection = { url: 'postgres://db.team.invalid/rao?sslmode=disable', user: 'ana', password: 'p' }
    expect(() => createTeamStore({ connection, desk: 'd', scope: () => SCOPE, log: quiet })).toThrowError(
      expect.objectContaining({ code: 'team_tls_required' }),
    )
    expect((await failureOf(checkTeamConnection({ connection }))).code).toBe('team_tls_required')
  })

  it('refuses a password in the address, and other bad input, with a clear message', async () => {
    const bad = [
      { url: 'postgres://ana:secret@127.0.0.1/rao', user: 'ana', password: 'p' },
      { url: 'postgres://ben@127.0.0.1/rao', user: 'ana', password: 'p' },
      { url: 'http://127.0.0.1/rao', user: 'ana', password: 'p' },
      { url: 'postgres://127.0.0.1/', user: 'ana', password: 'p' },
      { url: 'postgres://127.0.0.1/rao?options=-c%20role%3Dx', user: 'ana', password: 'p' },
      { url: 'postgres://127.0.0.1/rao', user: 'Ana"; drop', password: 'p' },
      { url: 'postgres://127.0.0.1/rao', user: 'rao_team_admin', password: 'p' },
      { url: 'postgres://127.0.0.1/rao', user: 'ana', password: '' },
    ]
    for (const connection of bad)
      expect((await failureOf(checkTeamConnection({ connection }))).code).toBe('invalid_input')
    expect(() =>
      createTeamStore({ connection: bad[0] as never, desk: 'd', scope: () => SCOPE, log: quiet }),
    ).toThrowError(expect.objectContaining({ code: 'invalid_input' }))
    const good = { url: 'postgres://127.0.0.1/rao', user: 'ana', password: 'p' }
    for (const desk of ['', 'a b', 'x'.repeat(65), 'desk/../1'])
      expect(() => createTeamStore({ connection: good, desk, scope: () => SCOPE, log: quiet })).toThrowError(
        expect.objectContaining({ code: 'invalid_input' }),
      )
  })
})

describe('the connection check against a real server with TLS', () => {
  const certificate = certificateFor127()
  let team: Awaited<ReturnType<typeof teamCluster>>
  let ana: Officer

  beforeAll(async () => {
    team = await teamCluster({ tls: certificate })
    ana = await team.officer('ana')
  }, 60_000)
  afterAll(() => team?.close())

  const connection = (query?: string, password = ana.password) => ({
    url: team.cluster.url(query),
    user: ana.role,
    password,
  })

  it('answers what an officer reads, over TLS verified with the extra CA', async () => {
    const info = await checkTeamConnection({
      connection: connection('sslmode=verify-full'),
      extraCaPem: certificate.cert,
    })
    expect(info).toEqual({
      serverVersion: expect.stringMatching(/^\d+\.\d+/),
      schemaVersion: 5,
      appSchemaVersion: 5,
      role: 'ana',
      officer: true,
      admin: false,
      tls: true,
    })
    // And the store's own connections are encrypted: the server says so for each of them.
    const desk = deskStore(team.cluster, ana, {
      connection: connection('sslmode=verify-full'),
      extraCaPem: certificate.cert,
    })
    team.track(desk.store)
    desk.store.start()
    await expect(desk.store.settings()).resolves.toMatchObject({ fourEyes: true })
    const encrypted = await team.admin.query(
      `SELECT bool_and(s.ssl) AS all_tls, count(*) AS n FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
       WHERE a.usename = 'ana'`,
    )
    expect(encrypted.rows[0]).toMatchObject({ all_tls: true })
  })

  it('refuses a certificate it cannot verify, and a server that does not speak TLS', async () => {
    const unverified = await failureOf(checkTeamConnection({ connection: connection('sslmode=verify-full') }))
    expect(unverified.code).toBe('team_tls')
    const plainTeam = await teamCluster()
    try {
      const officer = await plainTeam.officer('ana')
      const noTls = await failureOf(
        checkTeamConnection({
          connection: {
            url: plainTeam.cluster.url('sslmode=verify-full'),
            user: officer.role,
            password: officer.password,
          },
          extraCaPem: certificate.cert,
        }),
      )
      expect(noTls.code).toBe('team_tls')
    } finally {
      await plainTeam.close()
    }
  }, 30_000)

  it('trusts the operating system’s store where this Node can read it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rao-team-ca-'))
    const caFile = path.join(dir, 'ca.pem')
    writeFileSync(caFile, certificate.cert)
    try {
      // The system store, as OpenSSL reads it, is this test's CA alone, in a process of its own.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(import.meta.dirname, 'system-ca-child.ts'),
          JSON.stringify(connection('sslmode=verify-full')),
        ],
        { env: { ...process.env, SSL_CERT_FILE: caFile }, encoding: 'utf8' },
      )
      const readsSystemStore =
        typeof (tls as { getCACertificates?: unknown }).getCACertificates === 'function'
      // Node 24 (Electron's) trusts the administrator's CA; Node 20 keeps to its bundled roots.
      expect(stdout.trim()).toBe(readsSystemStore ? 'ok' : 'team_tls')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('tells a wrong password and an address where nothing answers apart', async () => {
    expect(
      (await failureOf(checkTeamConnection({ connection: connection(undefined, `${ana.password}x`) }))).code,
    ).toBe('team_auth')
    expect(
      (
        await failureOf(
          checkTeamConnection({
            connection: { url: 'postgres://127.0.0.1:1/rao', user: 'ana', password: 'p' },
          }),
        )
      ).code,
    ).toBe('team_unreachable')
    // A password with a quote and a backslash is a password like any other.
    const odd = await team.officer('odd')
    await team.admin.query(`ALTER ROLE odd PASSWORD 'it''s a \\ pass'`)
    expect(
      await checkTeamConnection({
        connection: { url: team.cluster.url(), user: odd.role, password: "it's a \\ pass" },
      }),
    ).toMatchObject({ role: 'odd' })
  })
})
