import { isIP } from 'node:net'
import type { ClientConfig } from 'pg'
import { AppError } from '../../shared/errors'
import { trustedRoots } from '../oneshot/transport'

export interface TeamAddress {
  host: string
  port: number
  database: string
  /** TLS with the server's certificate verified, or none (allowed to a loopback address only). */
  tls: boolean
  /** The user named in the URL: only the admin commands take one there. */
  user?: string
}

/**
 * `localhost`, 127.0.0.0/8 and ::1, written plainly: a connection that never leaves this computer. Names
 * are not resolved, and any other spelling counts as remote, so a doubt means TLS.
 */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase()
  if (bare === 'localhost' || bare === '::1') return true
  return isIP(bare) === 4 && bare.startsWith('127.')
}

const invalid = (message: string, detail?: string) => new AppError('invalid_input', message, detail)

/**
 * Reads a team database address: `postgres://host[:port]/database`, optionally `?sslmode=verify-full`
 * (TLS to a loopback address too) or `?sslmode=disable` (refused unless the host is loopback). Anywhere
 * else TLS is always on and the certificate always verified; no other mode is read, so none weakens it.
 * A password in the address is refused: it belongs in the keychain (or PGPASSWORD for the admin commands).
 */
export function parseTeamUrl(text: string): TeamAddress {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw invalid('The team database address is not a URL.', 'postgres://host:5432/database')
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw invalid('The team database address must start with postgres://.')
  if (url.password) throw invalid('The address must not hold a password: it is kept apart.')
  const host = url.hostname
  if (!host) throw invalid('The team database address has no host.')
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''))
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(database)) throw invalid('The address must name the database: /name.')
  const port = url.port ? Number(url.port) : 5432
  for (const key of url.searchParams.keys())
    if (key !== 'sslmode') throw invalid('The address may only carry sslmode.', key)
  const sslmode = url.searchParams.get('sslmode')
  if (sslmode !== null && sslmode !== 'verify-full' && sslmode !== 'disable')
    throw invalid('sslmode may be verify-full or, on this computer only, disable.', sslmode)
  const loopback = isLoopback(host)
  if (sslmode === 'disable' && !loopback)
    throw new AppError(
      'team_tls_required',
      'The team database is not on this computer: its connection must use TLS.',
      host,
    )
  const user = url.username ? decodeURIComponent(url.username) : undefined
  return {
    host: host.replace(/^\[(.*)\]$/, '$1'),
    port,
    database,
    tls: !loopback || sslmode === 'verify-full',
    ...(user ? { user } : {}),
  }
}

/** A desk's address: the user is given apart (and the password from the keychain), never inside it. */
export function parseDeskUrl(text: string): TeamAddress {
  const address = parseTeamUrl(text)
  if (address.user) throw invalid('The address must not hold a user: the database user is set apart.')
  return address
}

export interface ClientSettings {
  address: TeamAddress
  user: string
  /** Undefined lets node-postgres read PGPASSWORD (the admin commands). */
  password?: string
  /** An extra trusted CA (RAO_DESK_EXTRA_CA_FILE), on top of Node's roots and the system's store. */
  extraCaPem?: string
  applicationName: string
  connectTimeoutMs?: number
  /** The longest a statement may run before the server stops it. */
  statementTimeoutMs?: number
}

/** node-postgres settings for one connection: TLS verified with the same roots the Optimizer's client trusts. */
export function clientConfig(settings: ClientSettings): ClientConfig {
  const { address } = settings
  const ca = trustedRoots(settings.extraCaPem)
  return {
    host: address.host,
    port: address.port,
    database: address.database,
    user: settings.user,
    ...(settings.password === undefined ? {} : { password: settings.password }),
    ssl: address.tls ? { rejectUnauthorized: true, ...(ca ? { ca } : {}) } : false,
    application_name: settings.applicationName,
    connectionTimeoutMillis: settings.connectTimeoutMs ?? 5_000,
    statement_timeout: settings.statementTimeoutMs ?? 10_000,
    query_timeout: (settings.statementTimeoutMs ?? 10_000) + 2_000,
    idle_in_transaction_session_timeout: 30_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  }
}
