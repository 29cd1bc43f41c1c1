import { execFile, execFileSync } from 'node:child_process'
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

/** The newest PostgreSQL that Debian's packages installed (15 on bookworm); `RAO_DESK_PG_BIN` names another. */
function postgresBin(): string {
  if (process.env.RAO_DESK_PG_BIN) return process.env.RAO_DESK_PG_BIN
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).filter((name) => /^\d+$/.test(name)) : []
  const newest = versions
    .sort((a, b) => Number(b) - Number(a))
    .find((name) => existsSync(path.join(root, name, 'bin', 'initdb')))
  if (!newest) throw new Error('PostgreSQL is not installed: apt-get install postgresql (see .ci/run)')
  return path.join(root, newest, 'bin')
}
const PG_BIN = postgresBin()
const SUPERUSER = 'rao_test_superuser'

/**
 * `initdb` and the server refuse to run as root, and the suite runs as root in CI: there they run as the
 * `postgres` system user that Debian's package creates, which must own the cluster's folder.
 */
const asRoot = process.getuid?.() === 0
const runAs = (program: string, args: string[]): [string, string[]] =>
  asRoot
    ? ['runuser', ['-u', 'postgres', '--', path.join(PG_BIN, program), ...args]]
    : [path.join(PG_BIN, program), args]

async function run(program: string, args: string[], env: Record<string, string> = {}) {
  const [command, argv] = runAs(program, args)
  await promisify(execFile)(command, argv, { encoding: 'utf8', env: { ...process.env, ...env } })
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (!address || typeof address === 'string') throw new Error('no port')
  return address.port
}

export interface ClusterOptions {
  /** PEM certificate and key: the server then speaks TLS (and still accepts plain connections). */
  tls?: { cert: string; key: string }
  maxConnections?: number
}

export interface Cluster {
  readonly port: number
  /** `postgres://rao_test_superuser@127.0.0.1:<port>/rao_team`: a superuser's address, for set-up. */
  readonly adminUrl: string
  /** The superuser's password (the admin command reads it from PGPASSWORD). */
  readonly superuserPassword: string
  /** A URL for the team database on this cluster with no user, as a desk is configured. */
  url(query?: string): string
  stop(): Promise<void>
  start(): Promise<void>
  /** Stops the server and removes every file of the cluster. */
  close(): Promise<void>
}

const live = new Set<string>()
// A test process that dies before its `afterAll` still stops its servers.
process.once('exit', () => {
  for (const dataDir of live) {
    try {
      execFileSync(...runAs('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate']), { stdio: 'ignore' })
    } catch {}
  }
})

/**
 * A throwaway PostgreSQL cluster: `initdb` into a temporary folder, the server on a free loopback port
 * (TCP only, password authentication), a database `rao_team`. Nothing is installed as a service and
 * `close` leaves nothing behind.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const root = mkdtempSync(path.join(tmpdir(), 'rao-pg-'))
  chmodSync(root, 0o700)
  const dataDir = path.join(root, 'data')
  const socketDir = path.join(root, 'socket')
  const superuserPassword = `pw-${Math.random().toString(36).slice(2)}'"\\`
  writeFileSync(path.join(root, 'pwfile'), `${superuserPassword}\n`, { mode: 0o600 })
  mkdirSync(socketDir)
  ownedByServer(root, path.join(root, 'pwfile'), socketDir)
  await run('initdb', [
    '-D',
    dataDir,
    '-U',
    SUPERUSER,
    `--pwfile=${path.join(root, 'pwfile')}`,
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C.UTF-8',
    '--no-sync',
  ])
  const settings = [
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = '${socketDir}'`,
    `max_connections = ${options.maxConnections ?? 60}`,
    // A throwaway cluster: durability is not what is tested here, and the disk is shared.
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
  ]
  if (options.tls) {
    const cert = path.join(dataDir, 'server.crt')
    const key = path.join(dataDir, 'server.key')
    writeFileSync(cert, options.tls.cert)
    writeFileSync(key, options.tls.key, { mode: 0o600 })
    ownedByServer(cert, key)
    settings.push('ssl = on', `ssl_cert_file = '${cert}'`, `ssl_key_file = '${key}'`)
  }
  const port = await freePort()
  settings.push(`port = ${port}`)
  const conf = path.join(dataDir, 'postgresql.auto.conf')
  writeFileSync(conf, `${settings.join('\n')}\n`)
  ownedByServer(conf)
  const start = () =>
    run('pg_ctl', ['start', '-D', dataDir, '-l', path.join(root, 'server.log'), '-w', '-t', '30'])
  const stop = () => run('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w'])
  await start()
  live.add(dataDir)
  await run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', SUPERUSER, 'rao_team'], {
    PGPASSWORD: superuserPassword,
  })

  return {
    port,
    adminUrl: `postgres://${SUPERUSER}@127.0.0.1:${port}/rao_team`,
    superuserPassword,
    url: (query) => `postgres://127.0.0.1:${port}/rao_team${query ? `?${query}` : ''}`,
    stop,
    start,
    async close() {
      try {
        await run('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w'])
      } catch {}
      live.delete(dataDir)
      rmSync(root, { recursive: true, force: true })
    },
  }
}

/** The `postgres` system user's ids, who must own the files the server reads. */
function postgresIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim())
  return { uid: id('-u'), gid: id('-g') }
}

function ownedByServer(...files: string[]) {
  if (!asRoot) return
  const { uid, gid } = postgresIds()
  for (const file of files) chownSync(file, uid, gid)
}
