import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import pg from 'pg'
import { createLogger } from '../../main/log'
import { createOneShotClient } from '../../main/oneshot/client'
import { createDispatcher } from '../../main/oneshot/transport'
import { addOfficer, initTeam } from '../../main/team/admin'
import { createTeamStore } from '../../main/team/store'
import { AppError } from '../../shared/errors'
import type { TeamScope } from '../../shared/team'
import { DEFAULT_RAO } from '../simulator/seed'
import { startSimulator } from '../simulator/server'
import { startCluster } from '../support/pg-cluster'

/**
 * `npm run bench:team`: 20 desks and 2,000 pending cases in one throwaway PostgreSQL. Each desk is a
 * store of its own, with its own database role and connections, on its own thread (its own event loop,
 * as on its own computer). Every desk takes the next case and decides it as fast as it can: the intended
 * entry (which the database accepts only under the desk's claim), the approval sent to the One-Shot
 * simulator over loopback, the outcome entry. Measured: cases decided twice (at the simulator), decisions
 * without a claim (in the database afterwards), take-next's p99, and how long a claim takes to reach the
 * 19 other desks (p99 over every case and every other desk; a desk that sees the case already decided
 * has seen it too).
 */
const DESKS = 20
const CASES = 2_000

interface DeskData {
  url: string
  role: string
  password: string
  scope: TeamScope
  simulatorUrl: string
}

/** What a desk reports at the end: times in ms since the epoch, comparable across threads. */
interface DeskReport {
  takeNextMs: number[]
  claims: [number, number][]
  sightings: [number, number][]
  failures: string[]
}

const clock = () => performance.timeOrigin + performance.now()

/** One desk: waits for the start, then takes and decides until nothing is left, listening all along. */
async function desk(data: DeskData) {
  const port = parentPort
  if (!port) return
  const quiet = createLogger(() => undefined)
  const report: DeskReport = { takeNextMs: [], claims: [], sightings: [], failures: [] }
  const seen = new Set<number>()
  const store = createTeamStore({
    connection: { url: data.url, user: data.role, password: data.password },
    desk: `desk-${data.role}`,
    scope: () => data.scope,
    log: quiet,
    onChanges: (changes) => {
      if (changes.full) return
      const at = clock()
      for (const item of changes.cases) {
        const claimedByOther = item.claim && item.claim.officer !== data.role
        const decided = !item.claim && item.status !== 'VIDEOREVIEW'
        if ((claimedByOther || decided) && !seen.has(item.videoidPk)) {
          seen.add(item.videoidPk)
          report.sightings.push([item.videoidPk, at])
        }
      }
    },
  })
  const oneshot = createOneShotClient({
    baseUrl: () => data.simulatorUrl,
    dispatcher: createDispatcher({ maxRetries: 0 }),
    log: quiet,
  })
  const authority = { kind: 'credentials' as const, ...DEFAULT_RAO }
  store.start()
  while (!store.state().online) await new Promise((resolve) => setTimeout(resolve, 20))
  port.postMessage('ready')
  await new Promise((resolve) => port.once('message', resolve))

  for (;;) {
    const before = clock()
    const taken = await store.takeNext()
    const after = clock()
    report.takeNextMs.push(after - before)
    if (!taken) break
    report.claims.push([taken.videoidPk, after])
    seen.add(taken.videoidPk)
    const { seq } = await store.recordIntended({ videoidPk: taken.videoidPk, action: 'approve' })
    let phase: 'done' | 'refused' | 'unknown' = 'done'
    let errorCode: string | undefined
    try {
      await oneshot.approve(taken.videoidPk, authority)
    } catch (error) {
      errorCode = error instanceof AppError ? error.code : 'internal'
      phase = errorCode === 'timeout' || errorCode === 'unreachable' ? 'unknown' : 'refused'
      report.failures.push(`${taken.videoidPk}: ${errorCode}`)
    }
    await store.recordOutcome({ intendedSeq: seq, phase, ...(errorCode ? { errorCode } : {}) })
  }
  port.postMessage('finished')
  // Keep listening until told: the other desks' last claims are still on their way here.
  await new Promise((resolve) => port.once('message', resolve))
  await store.close()
  port.postMessage(report)
}

const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))] ?? Number.NaN
}

async function main() {
  const cluster = await startCluster({ maxConnections: 4 * DESKS + 20 })
  const simulator = await startSimulator({ seed: false })
  const workers: Worker[] = []
  try {
    const admin = new pg.Client({
      host: '127.0.0.1',
      port: cluster.port,
      database: 'rao_team',
      user: 'rao_test_superuser',
      password: cluster.superuserPassword,
    })
    admin.on('error', () => undefined)
    await admin.connect()
    await initTeam(admin)
    const scope = { optimizer: simulator.url, environment: 'sandbox' as const }
    const pending: { videoidPk: number; requestPk: number }[] = []
    for (let index = 0; index < CASES; index++) {
      const created = simulator.state.addCase({
        mode: 'one-step',
        email: `signer${index}@example.org`,
        mobilePhoneNumber: '+34 600 000 000',
        registrationAuthority: '1400',
        profile: 'PFnubeQAFCiudadano',
      })
      created.status = 'VIDEOREVIEW'
      pending.push(created)
    }
    await admin.query(
      `INSERT INTO rao_team.cases (optimizer, environment, videoid_pk, request_pk, pair_verified, status)
       SELECT $1, $2, v, r, true, 'VIDEOREVIEW' FROM unnest($3::bigint[], $4::bigint[]) AS t(v, r)`,
      [
        scope.optimizer,
        scope.environment,
        pending.map((item) => item.videoidPk),
        pending.map((item) => item.requestPk),
      ],
    )

    const officers: string[] = []
    for (let index = 0; index < DESKS; index++) {
      const officer = await addOfficer(admin, `bench_${index}`)
      officers.push(officer.role)
      const data: DeskData = {
        url: cluster.url(),
        role: officer.role,
        password: officer.password,
        scope,
        simulatorUrl: simulator.url,
      }
      workers.push(new Worker(new URL('./team-desk.mjs', import.meta.url), { workerData: data }))
    }
    const next = (worker: Worker) =>
      new Promise<unknown>((resolve, reject) => {
        worker.once('message', resolve)
        worker.once('error', reject)
      })
    await Promise.all(workers.map(next))
    process.stdout.write(`team: ${DESKS} desks online, ${CASES} pending cases\n`)

    const started = clock()
    const finished = workers.map(next)
    for (const worker of workers) worker.postMessage('go')
    await Promise.all(finished)
    const seconds = (clock() - started) / 1000
    // A second for the last claims to reach every desk (the target), then the reports.
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const reported = workers.map(next)
    for (const worker of workers) worker.postMessage('report')
    const reports = (await Promise.all(reported)) as DeskReport[]

    const claimedAt = new Map<number, { desk: number; at: number }>()
    for (const [desk, report] of reports.entries())
      for (const [pk, at] of report.claims) claimedAt.set(pk, { desk, at })
    const claimSeenMs: number[] = []
    let unseen = 0
    for (const [pk, claim] of claimedAt) {
      for (const [desk, report] of reports.entries()) {
        if (desk === claim.desk) continue
        const sighting = report.sightings.find(([seenPk]) => seenPk === pk)
        if (sighting) claimSeenMs.push(Math.max(0, sighting[1] - claim.at))
        else unseen++
      }
    }
    const takeNextMs = reports.flatMap((report) => report.takeNextMs)
    const failures = reports.flatMap((report) => report.failures)

    const perCase = new Map<number, number>()
    for (const decision of simulator.decisions)
      perCase.set(decision.videoidPk, (perCase.get(decision.videoidPk) ?? 0) + 1)
    const decidedTwice = [...perCase.values()].filter((count) => count > 1).length
    // Each decision that reached the simulator needs its own intended entry, made under a live claim.
    const covered = await admin.query<{ videoid_pk: string; n: string }>(
      `SELECT c.videoid_pk, count(*) AS n FROM rao_team.journal j JOIN rao_team.cases c ON c.id = j.case_id
       WHERE j.phase = 'intended' AND j.claim_since <= j.at AND j.at < j.claim_until
         AND c.optimizer = $1 AND c.environment = $2
       GROUP BY c.videoid_pk`,
      [scope.optimizer, scope.environment],
    )
    const underClaim = new Map(covered.rows.map((row) => [Number(row.videoid_pk), Number(row.n)]))
    let decidedWithoutClaim = 0
    for (const [pk, count] of perCase) decidedWithoutClaim += Math.max(0, count - (underClaim.get(pk) ?? 0))
    const breaks = await admin.query('SELECT seq FROM rao_team.journal_check')
    const entries = await admin.query<{ n: string }>('SELECT count(*) AS n FROM rao_team.journal')
    await admin.end()

    process.stdout.write(
      `team: decided ${perCase.size} of ${CASES} in ${seconds.toFixed(1)} s (${(perCase.size / seconds).toFixed(0)}/s); ` +
        `${simulator.decisions.length} sent to the simulator; ${failures.length} failed${failures.length ? ` (${failures.slice(0, 3).join(', ')})` : ''}; ` +
        `journal ${breaks.rowCount ? 'BROKEN' : 'whole'}, ${entries.rows[0]?.n} entries; ` +
        `${claimSeenMs.length} claims seen by other desks, ${unseen} missed; ` +
        `p50 take-next ${percentile(takeNextMs, 0.5).toFixed(1)} ms, claim seen ${percentile(claimSeenMs, 0.5).toFixed(0)} ms\n`,
    )
    const seenP99 = unseen ? Number.POSITIVE_INFINITY : percentile(claimSeenMs, 0.99)
    process.stdout.write(
      `team: desks=${DESKS} cases=${CASES} decided_twice=${decidedTwice} decided_without_claim=${decidedWithoutClaim} ` +
        `take_next_p99_ms=${Math.round(percentile(takeNextMs, 0.99))} claim_seen_p99_ms=${Math.round(seenP99)}\n`,
    )
    if (perCase.size !== CASES || decidedTwice || decidedWithoutClaim || breaks.rowCount) process.exitCode = 1
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()))
    await simulator.close()
    await cluster.close()
  }
}

if (isMainThread) await main()
else await desk(workerData as DeskData)
