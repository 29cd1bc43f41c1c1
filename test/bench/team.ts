import { type ChildProcess, fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import keytar from '@github/keytar'
import Conf from 'conf'
import pg from 'pg'
import { createCheckedEmit, createIpcBinding } from '../../main/ipc'
import { createLogger } from '../../main/log'
import { createServices } from '../../main/services'
import { addOfficer, initTeam } from '../../main/team/admin'
import type { InvokeName } from '../../shared/channels'
import type { HandlerOutput, InvokeInput } from '../../shared/contract'
import { AppError } from '../../shared/errors'
import type { TeamCaseView, TeamStatus } from '../../shared/team'
import type { RaoAccount } from '../simulator/seed'
import { startSimulator } from '../simulator/server'
import { cleanKeychain } from '../support/keychain'
import { startCluster } from '../support/pg-cluster'
import { FakePowerMonitor } from '../support/power-monitor'
import { FULL_CHECKLIST } from '../unit/decisions/checklist'
import { quietTakeNext } from './team-quiet'

/**
 * `npm run bench:team`: 20 desks and 2,000 pending cases in one throwaway PostgreSQL, through the app's
 * own services. Each desk is `createServices` as main builds it, with a data folder, a keychain service
 * and a database role of its own, in a process of its own (as on its own computer):
 * the RAO credentials set up against the simulator, team mode turned on, the team's cases taken into
 * its case book and read from the simulator. Then every desk takes the next case and decides it as fast
 * as it can, as an officer pressing T: `takeNextCase`, then `decide` (the status read, the intended
 * entry in the desk's journal and, under the desk's claim, in the team's; the approval sent to the
 * simulator; the outcome in both journals), each called as the page calls it, through the IPC binding
 * (the lock's gate, the contract's checks). Measured: cases decided twice (at the simulator), decisions
 * without a claim (in the database afterwards), take-next's p99 as the page's call answers it, and how
 * long a claim takes to reach the 19 other desks as the events their pages get (p99 over every case and
 * every other desk; a desk that sees the case already decided has seen it too). Every desk, PostgreSQL
 * and the simulator share this machine's cores: the load is printed beside the figures.
 */
const DESKS = 20
const CASES = 2_000

interface DeskData {
  /** The desk's own RAO account at the simulator (one officer's credentials make one token there). */
  rao: RaoAccount
  url: string
  role: string
  password: string
  simulatorUrl: string
  dataDir: string
  service: string
}

/** What a desk reports at the end: times in ms since the epoch, comparable across processes. */
interface DeskReport {
  takeNextMs: number[]
  /** Each claim this desk took, by its case and since when (the database's word), and when it had it. */
  claims: [videoidPk: number, since: string, at: number][]
  /** When this desk first saw each claim taken elsewhere (`<pk> <officer> <since>`) and each case decided (`<pk>`). */
  sightings: [key: string, at: number][]
  /** What failed, as the page was told (code and detail), one line per failure. */
  failures: string[]
  /** How often the desk's link to the database went down while measuring. */
  linkLost: number
}

/** A failure as the page is told it: its code, and the detail that says why. */
const failure = (error: unknown) =>
  error instanceof AppError ? `${error.code}${error.detail ? ` (${error.detail})` : ''}` : String(error)

const clock = () => performance.timeOrigin + performance.now()
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** One desk: set up, waits for the start, then takes and decides until nothing is left, listening all along. */
async function desk(data: DeskData) {
  const send = (message: unknown) => process.send?.(message)
  const told = () => new Promise((resolve) => process.once('message', resolve))
  const report: DeskReport = { takeNextMs: [], claims: [], sightings: [], failures: [], linkLost: 0 }
  const seen = new Set<string>()
  let measuring = false
  const log = createLogger(() => undefined)
  // What the desk's page is told: the first sight of each claim taken elsewhere, and of each case decided.
  const emit = createCheckedEmit((name, payload) => {
    if (!measuring) return
    if (name === 'teamChanged' && (payload as TeamStatus).link?.online === false) report.linkLost++
    if (name !== 'teamCasesChanged') return
    const at = clock()
    for (const { videoidPk, claim, status } of (payload as { cases: TeamCaseView[] }).cases) {
      const key =
        claim && claim.officer !== data.role
          ? `${videoidPk} ${claim.officer} ${claim.since}`
          : !claim && status !== 'VIDEOREVIEW'
            ? `${videoidPk}`
            : undefined
      if (key === undefined || seen.has(key)) continue
      seen.add(key)
      report.sightings.push([key, at])
    }
  }, log)
  const services = createServices({
    store: new Conf<Record<string, unknown>>({
      projectName: 'rao-desk',
      cwd: data.dataDir,
      configName: 'settings',
    }),
    caseBookFile: path.join(data.dataDir, 'case-book.jsonl'),
    journalFile: path.join(data.dataDir, 'decision-journal.jsonl'),
    cacheDir: path.join(data.dataDir, 'video-cache'),
    mediaUrl: (mediaPath) => `rao-media://media${mediaPath}`,
    keychain: keytar,
    keychainService: data.service,
    log,
    emit,
    // No screen to lock and no sleep here: the desk's own idle lock still runs.
    powerMonitor: new FakePowerMonitor(),
  })
  // Every call as the page makes it: through the IPC binding (the lock's gate, the contract's checks).
  const binding = createIpcBinding({
    handlers: services.handlers,
    isTrustedSender: () => true,
    refuse: services.refuse,
    log,
  })
  async function call<N extends InvokeName>(name: N, input: InvokeInput<N>): Promise<HandlerOutput<N>> {
    const result = await binding.dispatch(name, input, undefined)
    if (!result.ok) throw new AppError(result.error.code, result.error.message, result.error.detail)
    return result.value as HandlerOutput<N>
  }
  // As on a first run: the app starts, reads its lock (open: no credentials yet), and the officer sets
  // the Optimizer's address, the RAO credentials, then team mode.
  services.start()
  while ((await call('getLockState', undefined)).locked) await pause(50)
  await call('saveSettings', { optimizerUrl: data.simulatorUrl })
  await call('setUpCredentials', { ...data.rao })
  await call('saveTeamSetup', { enabled: true, url: data.url, user: data.role, password: data.password })
  // Ready once online with every case in the book and read from the simulator. The officer is at the
  // desk meanwhile (the page reports input): the idle lock does not come.
  for (;;) {
    await call('reportActivity', undefined)
    const book = await services.cases.list()
    const read = book.filter((item) => item.status === 'VIDEOREVIEW').length
    if (services.team.status().link?.online && read === CASES) break
    await pause(250)
  }
  send('ready')
  await told()
  measuring = true

  let refusals = 0
  for (;;) {
    // The officer presses T: input the page reports, then take-next.
    await call('reportActivity', undefined)
    const before = clock()
    let taken: TeamCaseView | null
    try {
      taken = await call('takeNextCase', undefined)
    } catch (error) {
      // The officer waited for the failure too. Pressed again a moment later, as an officer would; a
      // desk that keeps failing gives up.
      report.takeNextMs.push(clock() - before)
      report.failures.push(`take-next: ${failure(error)}`)
      if (++refusals > 20) break
      await pause(100)
      continue
    }
    const after = clock()
    report.takeNextMs.push(after - before)
    if (!taken) break
    report.claims.push([taken.videoidPk, taken.claim?.since ?? '', after])
    try {
      await call('decide', { action: 'approve', videoidPk: taken.videoidPk, checklist: FULL_CHECKLIST })
    } catch (error) {
      report.failures.push(`decide: ${failure(error)}`)
      await call('leaveTeamCase', { videoidPk: taken.videoidPk }).catch(() => undefined)
    }
  }
  send('finished')
  // Keep listening until told: the other desks' last claims are still on their way here.
  await told()
  await services.close()
  send(report)
  process.disconnect?.()
}

/** The machine the desks share: every desk, the database and the simulator run on its cores. */
const machine = () => `${availableParallelism()} cores, load ${loadavg()[0]?.toFixed(1)}`

const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))] ?? Number.NaN
}

async function main() {
  const cluster = await startCluster({ maxConnections: 4 * DESKS + 20 })
  const raos: RaoAccount[] = Array.from({ length: DESKS }, (_, index) => ({
    username: String(9_002_000 + index),
    password: `Bench-Password-${index}`,
    pin: String(100_000 + index),
    rao: '1400',
  }))
  const simulator = await startSimulator({ seed: false, raos })
  const children: ChildProcess[] = []
  const desks: DeskData[] = []
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
    // The cases as a desk would have shared them: pks, status, a verified pair.
    await admin.query(
      `INSERT INTO rao_team.cases (optimizer, environment, videoid_pk, request_pk, pair_verified, status)
       SELECT $1, 'sandbox', v, r, true, 'VIDEOREVIEW' FROM unnest($2::bigint[], $3::bigint[]) AS t(v, r)`,
      [simulator.url, pending.map((item) => item.videoidPk), pending.map((item) => item.requestPk)],
    )

    const setupStarted = clock()
    for (let index = 0; index < DESKS; index++) {
      const officer = await addOfficer(admin, `bench_${index}`)
      const data: DeskData = {
        rao: raos[index] as RaoAccount,
        url: cluster.url(),
        role: officer.role,
        password: officer.password,
        simulatorUrl: simulator.url,
        dataDir: mkdtempSync(path.join(tmpdir(), 'rao-desk-bench-')),
        service: `rao-desk-bench-${randomBytes(6).toString('hex')}`,
      }
      desks.push(data)
      children.push(
        fork(import.meta.filename, ['desk', JSON.stringify(data)], {
          execArgv: ['--import', 'tsx'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        }),
      )
    }
    const next = (child: ChildProcess) =>
      new Promise<unknown>((resolve, reject) => {
        child.once('message', resolve)
        child.once('exit', (code) => reject(new Error(`a desk exited with ${code}`)))
      })
    await Promise.all(children.map(next))
    process.stdout.write(
      `team: ${DESKS} desks online, ${CASES} pending cases in each book (set up in ${((clock() - setupStarted) / 1000).toFixed(0)} s; ${machine()})\n`,
    )

    const started = clock()
    const finished = children.map(next)
    for (const child of children) child.send('go')
    await Promise.all(finished)
    const seconds = (clock() - started) / 1000
    // A second for the last claims to reach every desk (the target), then the reports.
    await pause(1_000)
    const reported = children.map(next)
    for (const child of children) child.send('report')
    const reports = (await Promise.all(reported)) as DeskReport[]

    // Every claim (a case whose decision failed is taken again, by another desk or the same), against
    // the first sight of that very claim, or of the case decided, at each other desk.
    const sightingsAt = reports.map((report) => new Map(report.sightings))
    const claimSeenMs: number[] = []
    let unseen = 0
    for (const [claimer, report] of reports.entries()) {
      const holder = desks[claimer]?.role
      for (const [pk, since, at] of report.claims)
        for (const [index, sightings] of sightingsAt.entries()) {
          if (index === claimer) continue
          const seenAt = [sightings.get(`${pk} ${holder} ${since}`), sightings.get(`${pk}`)].filter(
            (time): time is number => time !== undefined,
          )
          if (seenAt.length) claimSeenMs.push(Math.max(0, Math.min(...seenAt) - at))
          else unseen++
        }
    }
    const takeNextMs = reports.flatMap((report) => report.takeNextMs)
    const failures = reports.flatMap((report) => report.failures)
    const kinds = new Map<string, number>()
    for (const line of failures) kinds.set(line, (kinds.get(line) ?? 0) + 1)
    const linkLost = reports.reduce((sum, report) => sum + report.linkLost, 0)

    const perCase = new Map<number, number>()
    for (const decision of simulator.decisions)
      perCase.set(decision.videoidPk, (perCase.get(decision.videoidPk) ?? 0) + 1)
    const decidedTwice = [...perCase.values()].filter((count) => count > 1).length
    // Each decision that reached the simulator needs its own intended entry, made under a live claim.
    const covered = await admin.query<{ videoid_pk: string; n: string }>(
      `SELECT c.videoid_pk, count(*) AS n FROM rao_team.journal j JOIN rao_team.cases c ON c.id = j.case_id
       WHERE j.phase = 'intended' AND j.claim_since <= j.at AND j.at < j.claim_until
         AND c.optimizer = $1 AND c.environment = 'sandbox'
       GROUP BY c.videoid_pk`,
      [simulator.url],
    )
    const underClaim = new Map(covered.rows.map((row) => [Number(row.videoid_pk), Number(row.n)]))
    let decidedWithoutClaim = 0
    for (const [pk, count] of perCase) decidedWithoutClaim += Math.max(0, count - (underClaim.get(pk) ?? 0))
    const breaks = await admin.query('SELECT seq FROM rao_team.journal_check')
    const entries = await admin.query<{ n: string }>('SELECT count(*) AS n FROM rao_team.journal')
    for (const child of children) child.kill('SIGKILL')
    const quiet = await quietTakeNext(admin, desks[0] as DeskData, `${simulator.url}/quiet`)
    await admin.end()

    process.stdout.write(
      `team: decided ${perCase.size} of ${CASES} in ${seconds.toFixed(1)} s (${(perCase.size / seconds).toFixed(0)}/s); ` +
        `${simulator.decisions.length} sent to the simulator; ${failures.length} failed${failures.length ? ` (${[...kinds].map(([line, count]) => `${count}× ${line}`).join('; ')})` : ''}; ` +
        `links to the database lost ${linkLost} times; ` +
        `journal ${breaks.rowCount ? 'BROKEN' : 'whole'}, ${entries.rows[0]?.n} entries; ` +
        `${claimSeenMs.length} claims seen by other desks, ${unseen} missed; ` +
        `take-next p50 ${percentile(takeNextMs, 0.5).toFixed(1)} ms, p90 ${percentile(takeNextMs, 0.9).toFixed(1)} ms; ` +
        `claim seen p50 ${percentile(claimSeenMs, 0.5).toFixed(0)} ms; ${machine()}\n`,
    )
    process.stdout.write(
      `team: the database's part of take-next on a quiet machine (the team store's takeNext, one desk, ` +
        `no IPC, desk or case book; the desks gone): ${quiet.distinct} distinct cases in ${quiet.ms.length} takes in a row, ` +
        `p50 ${percentile(quiet.ms, 0.5).toFixed(1)} ms, p99 ${percentile(quiet.ms, 0.99).toFixed(1)} ms; ${machine()}\n`,
    )
    const seenP99 = unseen ? Number.POSITIVE_INFINITY : percentile(claimSeenMs, 0.99)
    process.stdout.write(
      `team: desks=${DESKS} cases=${CASES} decided_twice=${decidedTwice} decided_without_claim=${decidedWithoutClaim} ` +
        `take_next_p99_ms=${Math.round(percentile(takeNextMs, 0.99))} claim_seen_p99_ms=${Math.round(seenP99)}\n`,
    )
    if (
      perCase.size !== CASES ||
      decidedTwice ||
      decidedWithoutClaim ||
      breaks.rowCount ||
      quiet.distinct !== quiet.ms.length
    )
      process.exitCode = 1
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
    await simulator.close()
    await cluster.close()
    for (const data of desks) {
      rmSync(data.dataDir, { recursive: true, force: true })
      await cleanKeychain(data.service)
    }
  }
}

if (process.argv[2] === 'desk') await desk(JSON.parse(process.argv[3] ?? '{}') as DeskData)
else await main()
