import pg from 'pg'
import { createLogger } from '../../../main/log'
import { addOfficer, initTeam } from '../../../main/team/admin'
import { createTeamStore, type TeamChanges, type TeamStoreOptions } from '../../../main/team/store'
import type { TeamCase, TeamLinkState } from '../../../shared/team'
import { type Cluster, type ClusterOptions, startCluster } from '../../support/pg-cluster'

export const SCOPE = { optimizer: 'http://127.0.0.1:9/oneshot/api/v1', environment: 'sandbox' as const }
export const quiet = createLogger(() => undefined)

export interface Officer {
  role: string
  password: string
}

/** A client connected as the cluster's superuser, for set-up and for what only an admin may see. */
export async function superuser(cluster: Cluster, database = 'rao_team'): Promise<pg.Client> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: cluster.port,
    database,
    user: 'rao_test_superuser',
    password: cluster.superuserPassword,
  })
  client.on('error', () => undefined)
  await client.connect()
  return client
}

/** A plain SQL connection as a login role, as `psql` would make it. */
export async function connectAs(
  cluster: Cluster,
  officer: Officer,
  database = 'rao_team',
): Promise<pg.Client> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: cluster.port,
    database,
    user: officer.role,
    password: officer.password,
  })
  client.on('error', () => undefined)
  await client.connect()
  return client
}

/** A desk's store with its changes and link states recorded. */
export function deskStore(
  cluster: Cluster,
  officer: Officer,
  options: Partial<TeamStoreOptions> & { desk?: string } = {},
) {
  const changes: (TeamChanges & { at: number })[] = []
  const states: TeamLinkState[] = []
  const store = createTeamStore({
    connection: { url: cluster.url(), user: officer.role, password: officer.password },
    desk: options.desk ?? `desk-${officer.role}`,
    scope: () => SCOPE,
    log: quiet,
    backoff: { firstMs: 100, maxMs: 500 },
    ...options,
    onChanges: (change) => {
      changes.push({ ...change, at: performance.now() })
      options.onChanges?.(change)
    },
    onState: (state) => {
      states.push(state)
      options.onState?.(state)
    },
  })
  /** The case as this desk last heard of it. */
  const seen = (videoidPk: number): TeamCase | undefined =>
    changes
      .flatMap((change) => change.cases)
      .filter((item) => item.videoidPk === videoidPk)
      .at(-1)
  return { store, changes, states, seen }
}

/** A throwaway cluster with the team schema, and officers made with the admin command's own function. */
export async function teamCluster(options: ClusterOptions = {}) {
  const cluster = await startCluster(options)
  let admin: pg.Client
  try {
    admin = await superuser(cluster)
    await initTeam(admin)
  } catch (error) {
    await cluster.close()
    throw error
  }
  const closers: (() => Promise<unknown>)[] = []
  return {
    cluster,
    admin,
    async officer(name: string, roles: { admin?: boolean } = {}): Promise<Officer> {
      const { role, password } = await addOfficer(admin, name, roles)
      return { role, password }
    },
    /** Registers something to close before the cluster goes. */
    track<T extends { close(): Promise<unknown> } | { end(): Promise<unknown> }>(item: T): T {
      closers.push(() => ('close' in item ? item.close() : item.end()))
      return item
    },
    async close() {
      for (const close of closers.reverse()) await close().catch(() => undefined)
      await admin.end().catch(() => undefined)
      await cluster.close()
    },
  }
}

/** Adds pending cases straight into the database, as the superuser. */
export async function seedCases(admin: pg.Client, first: number, count: number, status = 'VIDEOREVIEW') {
  await admin.query(
    `INSERT INTO rao_team.cases (optimizer, environment, videoid_pk, request_pk, pair_verified, status)
     SELECT $1, $2, v, v + 500000, true, $3 FROM generate_series($4::bigint, $5::bigint) AS v`,
    [SCOPE.optimizer, SCOPE.environment, status, first, first + count - 1],
  )
}

export async function waitFor<T>(what: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
  const started = Date.now()
  for (;;) {
    const value = what()
    if (value) return value
    if (Date.now() - started > timeoutMs) throw new Error(`waited ${timeoutMs} ms in vain`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
