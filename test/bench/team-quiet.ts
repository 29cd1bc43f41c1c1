import type pg from 'pg'
import { createLogger } from '../../main/log'
import { createTeamStore } from '../../main/team/store'

export interface QuietTakes {
  /** How long each `takeNext` took, in ms, in the order taken. */
  ms: number[]
  /** How many different cases those takes gave: one per take when each took a free case. */
  distinct: number
}

/**
 * The database's part of take-next, on a quiet machine: one officer's team store, as main holds it,
 * calls `takeNext` (one statement, `rao_team.take_next`, on its pool) `rounds` times in a row, with no
 * IPC, desk or case book around it. Fresh cases of a scope of their own, none let go (the cluster is
 * thrown away after), so each take claims a case no one holds and passes by the ones taken before it.
 */
export async function quietTakeNext(
  admin: pg.Client,
  officer: { url: string; role: string; password: string },
  optimizer: string,
  rounds = 200,
): Promise<QuietTakes> {
  const scope = { optimizer, environment: 'sandbox' as const }
  await admin.query(
    `INSERT INTO rao_team.cases (optimizer, environment, videoid_pk, request_pk, pair_verified, status)
     SELECT $1, 'sandbox', v, v + 500000, true, 'VIDEOREVIEW' FROM generate_series(1, $2::int) AS v`,
    [scope.optimizer, rounds],
  )
  const store = createTeamStore({
    connection: { url: officer.url, user: officer.role, password: officer.password },
    desk: 'quiet',
    scope: () => scope,
    log: createLogger(() => undefined),
  })
  store.start()
  try {
    while (!store.state().online) await new Promise((resolve) => setTimeout(resolve, 50))
    const ms: number[] = []
    const taken = new Set<number>()
    for (let round = 0; round < rounds; round++) {
      const before = performance.now()
      const next = await store.takeNext()
      ms.push(performance.now() - before)
      if (next) taken.add(next.videoidPk)
    }
    return { ms, distinct: taken.size }
  } finally {
    await store.close()
  }
}
