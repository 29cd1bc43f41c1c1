import keytar from '@github/keytar'
import { escapeLiteral } from 'pg'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { initTeam, scramVerifier } from '../../../main/team/admin'
import type { DecisionEntry } from '../../../shared/decisions'
import { type Simulator, startSimulator } from '../../simulator/server'
import { FULL_CHECKLIST } from '../decisions/checklist'
import { OFFICER, readTree } from '../vault/fixtures'
import { type Desk, eventually, ONE_STEP, OTHER, openDesk, pkOf, TWO_STEP, withinASecond } from './desks'
import { connectAs, type Officer, superuser, teamCluster, waitFor } from './fixtures'

// Team mode through the app's own services: desks with data folders and keychain services of their
// own, one team database, one simulator.
describe('team mode on a desk', () => {
  let team: Awaited<ReturnType<typeof teamCluster>>
  let ana: Officer
  let ben: Officer
  let chief: Officer
  let simulator: Simulator
  const desks: Desk[] = []

  beforeAll(async () => {
    team = await teamCluster()
    ana = await team.officer('ana')
    ben = await team.officer('ben')
    chief = await team.officer('chief', { admin: true })
  }, 60_000)
  afterAll(() => team?.close())
  let url: string
  let database: string
  let made = 0
  // Each test has a team database of its own (the roles are the cluster's), and a simulator: a case's
  // scope is its Optimizer's address, and a port is sometimes used again.
  beforeEach(async () => {
    database = `team_${++made}`
    const server = await superuser(team.cluster)
    await server.query(`CREATE DATABASE ${database}`).finally(() => server.end())
    const client = await superuser(team.cluster, database)
    try {
      await initTeam(client)
    } finally {
      await client.end()
    }
    url = team.cluster.url().replace('/rao_team', `/${database}`)
    simulator = await startSimulator({ raos: [OFFICER] })
  })
  afterEach(async () => {
    for (const desk of desks.splice(0)) await desk.close()
    await simulator.close()
  })

  const desk = async (officer: Officer, options: Parameters<typeof openDesk>[3] = {}) => {
    const opened = await openDesk(simulator.url, url, officer, options)
    desks.push(opened)
    return opened
  }
  const add = async (from: Desk, ...lines: string[]) => {
    await from.app.handlers.addCases({ text: lines.join('\n') })
  }
  /** Waits until the desk's book holds the case, with the signer read from the Optimizer. */
  const inBook = (at: Desk, videoidPk: number) =>
    eventually(async () => {
      const found = (await at.app.cases.list()).find((item) => item.videoidPk === videoidPk)
      return found?.person.givenName ? found : undefined
    }, 10_000)
  const approve = (at: Desk, videoidPk: number) =>
    at.app.handlers.decide({ action: 'approve', videoidPk, checklist: FULL_CHECKLIST })
  const decisionsOf = async (at: Desk, videoidPk: number) =>
    (await at.app.handlers.getJournal(undefined)).entries.filter(
      (entry): entry is DecisionEntry => entry.type === 'decision' && entry.videoidPk === videoidPk,
    )
  /** A statement as the superuser, on a connection of its own: the database restarts in some tests. */
  const sql = async <R extends Record<string, unknown>>(text: string, values: unknown[] = []) => {
    const client = await superuser(team.cluster, database)
    try {
      return (await client.query<R>(text, values)).rows
    } finally {
      await client.end()
    }
  }
  const teamRows = (videoidPk: number) =>
    sql<{ officer: string; phase: string; action: string; local_seq: string | null }>(
      `SELECT j.officer, j.phase, j.action, j.local_seq FROM rao_team.journal j
       JOIN rao_team.cases c ON c.id = j.case_id WHERE c.videoid_pk = $1 AND c.optimizer = $2 ORDER BY j.seq`,
      [videoidPk, simulator.url],
    )

  const teamCase = (videoidPk: number) =>
    sql<{ added_by: string; status: string; officer: string | null }>(
      `SELECT c.added_by, c.status, cl.officer FROM rao_team.cases c JOIN rao_team.claims cl ON cl.case_id = c.id
       WHERE c.videoid_pk = $1 AND c.optimizer = $2`,
      [videoidPk, simulator.url],
    )

  it('is off by default; keeps the database password in the keychain only, bound to its address and user', async () => {
    const quinn = await team.officer('quinn')
    // A password with a quote, a backslash and more than ASCII.
    const password = `Team"Pass\\word 'ñandú' +/=`
    await sql(`ALTER ROLE quinn PASSWORD ${escapeLiteral(scramVerifier(password))}`)
    const solo = await desk(quinn, { join: false })
    expect(await solo.app.handlers.getTeam(undefined)).toEqual({
      status: expect.objectContaining({ enabled: false, link: null, passwordSaved: false, settings: null }),
      cases: [],
    })
    await expect(
      solo.app.handlers.saveTeamSetup({ enabled: true, url, user: 'quinn' }),
    ).rejects.toMatchObject({ code: 'team_auth' })
    await expect(
      solo.app.handlers.saveTeamSetup({
        enabled: true,
        url: 'postgres://db.example.org/rao_team?sslmode=disable',
        user: 'quinn',
        password,
      }),
    ).rejects.toMatchObject({ code: 'team_tls_required' })
    expect(solo.app.team.status().enabled).toBe(false)

    const status = await solo.app.handlers.saveTeamSetup({ enabled: true, url, user: 'quinn', password })
    expect(status).toMatchObject({ enabled: true, url, user: 'quinn', passwordSaved: true })
    await waitFor(() => solo.app.team.status().link?.online, 15_000)
    expect(solo.app.team.status()).toMatchObject({
      settings: { twoStepMode: false, fourEyes: true },
      admin: false,
    })
    // The check uses the saved password for the same address and user, and refuses a wrong one.
    expect(await solo.app.handlers.checkTeamConnection({ url, user: 'quinn' })).toMatchObject({
      role: 'quinn',
      officer: true,
      tls: false,
    })
    await expect(
      solo.app.handlers.checkTeamConnection({ url, user: 'quinn', password: 'wrong' }),
    ).rejects.toMatchObject({ code: 'team_auth' })
    // Bound: another address (the same server, written otherwise) does not get it.
    const elsewhere = url.replace('127.0.0.1', 'localhost')
    await expect(
      solo.app.handlers.checkTeamConnection({ url: elsewhere, user: 'quinn' }),
    ).rejects.toMatchObject({ code: 'team_auth' })
    await expect(
      solo.app.handlers.saveTeamSetup({ enabled: true, url: elsewhere, user: 'quinn' }),
    ).rejects.toMatchObject({ code: 'team_auth' })

    // Only in the keychain: not in the data folder, the log, or anything sent to the page.
    expect(await keytar.getPassword(`${solo.service}.team`, 'officer')).toContain('ñandú')
    const everywhere = [readTree(solo.dataDir), solo.app.lines.join('\n'), JSON.stringify(solo.events)]
    for (const place of everywhere) {
      expect(place).not.toContain(password)
      expect(place).not.toContain(JSON.stringify(password).slice(1, -1))
    }
    expect(solo.app.store.get('team')).toEqual({ enabled: true, url, user: 'quinn' })

    // Off again: the link ends; on and off are journaled.
    await solo.app.handlers.saveTeamSetup({ enabled: false, url, user: 'quinn' })
    expect(solo.app.team.status()).toMatchObject({ enabled: false, link: null })
    const settings = (await solo.app.handlers.getJournal(undefined)).entries.flatMap((entry) =>
      entry.type === 'setting' ? [[entry.setting, entry.from, entry.to]] : [],
    )
    expect(settings).toEqual([
      ['teamMode', false, true],
      ['teamMode', true, false],
    ])
  }, 40_000)

  it('shares the cases a desk adds; another desk takes them in and reads the signer itself', async () => {
    const a = await desk(ana)
    const b = await desk(ben)
    await add(a, ONE_STEP)
    const taken = await inBook(b, pkOf(ONE_STEP))
    expect(taken).toMatchObject({ requestPk: 923056, pairVerified: true, status: 'VIDEOREVIEW' })
    expect(taken.person).toMatchObject({ givenName: 'Lucía', email: 'lucia.garcia@example.org' })
    // The team database holds pks, status, verification and who added it: never the signer.
    const rows = await sql('SELECT * FROM rao_team.cases WHERE optimizer = $1', [simulator.url])
    expect(rows).toEqual([
      expect.objectContaining({
        videoid_pk: '16673',
        request_pk: '923056',
        added_by: 'ana',
        pair_verified: true,
      }),
    ])
    expect(JSON.stringify(rows)).not.toMatch(/lucia|García|Lucía|48213957/i)
  }, 40_000)

  it('claims the case open on a desk: another desk sees it within a second and cannot decide it', async () => {
    const a = await desk(ana)
    const b = await desk(ben)
    await add(a, ONE_STEP, OTHER)
    const pk = pkOf(ONE_STEP)
    await inBook(b, pk)

    expect(await a.app.handlers.openTeamCase({ videoidPk: pk })).toMatchObject({
      claim: { officer: 'ana', desk: a.app.team.status().desk },
    })
    expect(await withinASecond(() => b.seen(pk)?.claim?.officer === 'ana')).toBeLessThan(1_000)
    // Opening it elsewhere takes nothing: it shows who holds it.
    expect(await b.app.handlers.openTeamCase({ videoidPk: pk })).toMatchObject({ claim: { officer: 'ana' } })
    // Deciding it elsewhere: refused by the team database; written as not sent; nothing sent.
    await expect(approve(b, pk)).rejects.toMatchObject({ code: 'team_no_claim' })
    expect(simulator.decisions).toEqual([])
    expect((await decisionsOf(b, pk)).map((entry) => [entry.phase, entry.team, entry.errorCode])).toEqual([
      ['intended', true, undefined],
      ['not_sent', undefined, 'team_no_claim'],
    ])

    // Leaving releases it at once, and the other desk, where the case is open, claims it then.
    await a.app.handlers.leaveTeamCase({ videoidPk: pk })
    expect(await withinASecond(() => b.seen(pk)?.claim?.officer === 'ben')).toBeLessThan(1_000)
    expect(await withinASecond(() => a.seen(pk)?.claim?.officer === 'ben')).toBeLessThan(1_000)
    expect((await approve(b, pk)).case.status).toBe('ENROLLREADY')
    expect(simulator.decisions).toEqual([{ action: 'approve', videoidPk: pk }])
    // The team journal: the intended entry under Ben's claim, its outcome; the claim ended with it.
    const local = await decisionsOf(b, pk)
    expect(await teamRows(pk)).toEqual([
      { officer: 'ben', phase: 'intended', action: 'approve', local_seq: String(local[2]?.seq) },
      { officer: 'ben', phase: 'done', action: 'approve', local_seq: String(local[3]?.seq) },
    ])
    await withinASecond(() => a.seen(pk)?.status === 'ENROLLREADY' && a.seen(pk)?.claim === null)
    // The other desk reads the case again from the Optimizer: its own book moves on too.
    await eventually(async () => (await a.app.cases.get(pk)).status === 'ENROLLREADY', 5_000)
  }, 40_000)

  it('gives two desks pressing take-next at once two different cases, and then nothing', async () => {
    const a = await desk(ana)
    const b = await desk(ben)
    await add(a, ONE_STEP, TWO_STEP, OTHER)
    await waitFor(() => [ONE_STEP, TWO_STEP, OTHER].every((line) => b.seen(pkOf(line))), 5_000)
    for (let round = 0; round < 5; round++) {
      const [first, second] = await Promise.all([
        a.app.handlers.takeNextCase(undefined),
        b.app.handlers.takeNextCase(undefined),
      ])
      if (!first || !second) throw new Error('a case was left')
      expect(first.videoidPk).not.toBe(second.videoidPk)
      expect([first.claim?.officer, second.claim?.officer]).toEqual(['ana', 'ben'])
      // Each gives back what it took, for the next round.
      await a.app.handlers.leaveTeamCase({ videoidPk: first.videoidPk })
      await b.app.handlers.leaveTeamCase({ videoidPk: second.videoidPk })
    }
    // Three desks hold the three: a fourth finds nothing. (Taking next leaves the case held before.)
    const c = await desk(chief)
    const d = await desk(await team.officer('dora'))
    const held = await Promise.all([a, b, c].map((each) => each.app.handlers.takeNextCase(undefined)))
    expect(new Set(held.map((item) => item?.videoidPk))).toEqual(
      new Set([ONE_STEP, TWO_STEP, OTHER].map(pkOf)),
    )
    expect(await d.app.handlers.takeNextCase(undefined)).toBeNull()
    // One given back: the fourth desk gets it.
    await a.app.handlers.leaveTeamCase({ videoidPk: held[0]?.videoidPk ?? 0 })
    expect(await d.app.handlers.takeNextCase(undefined)).toMatchObject({ videoidPk: held[0]?.videoidPk })
  }, 40_000)

  it('takes next a case its book does not hold yet: put into the book, the signer read by this desk', async () => {
    const a = await desk(ana)
    const b = await desk(ben)
    await add(a, ONE_STEP)
    const pk = pkOf(ONE_STEP)
    // Taken as soon as the team has it, before the feed has brought it to the other desk's book.
    await eventually(async () => (await teamCase(pk)).length === 1)
    expect(await b.app.handlers.takeNextCase(undefined)).toMatchObject({
      videoidPk: pk,
      claim: { officer: 'ben' },
    })
    const taken = await inBook(b, pk)
    expect(taken).toMatchObject({ requestPk: 923056, pairVerified: true, status: 'VIDEOREVIEW' })
    expect(taken.person).toMatchObject({ givenName: 'Lucía' })
    // Once in the book, it stays one case.
    expect((await b.app.cases.list()).filter((item) => item.videoidPk === pk)).toHaveLength(1)
  }, 40_000)

  it('shares again a case its book holds and the team database lost (a restore from an earlier backup), then claims it', async () => {
    const a = await desk(ana)
    await add(a, ONE_STEP)
    const pk = pkOf(ONE_STEP)
    await inBook(a, pk)
    await eventually(async () => (await teamCase(pk)).length === 1)
    await sql(
      `WITH gone AS (SELECT id FROM rao_team.cases WHERE videoid_pk = $1 AND optimizer = $2),
         claim AS (DELETE FROM rao_team.claims WHERE case_id IN (SELECT id FROM gone))
       DELETE FROM rao_team.cases WHERE id IN (SELECT id FROM gone)`,
      [pk, simulator.url],
    )
    expect(await teamCase(pk)).toEqual([])
    expect(await a.app.handlers.openTeamCase({ videoidPk: pk })).toMatchObject({ claim: { officer: 'ana' } })
    expect(await teamCase(pk)).toEqual([{ added_by: 'ana', status: 'VIDEOREVIEW', officer: 'ana' }])
  }, 40_000)

  it('fails closed while the database is away (nothing sent, notes go on), and decides once it is back', async () => {
    const a = await desk(ana)
    await add(a, ONE_STEP)
    const pk = pkOf(ONE_STEP)
    await a.app.handlers.openTeamCase({ videoidPk: pk })
    await team.cluster.stop()
    try {
      await waitFor(() => a.app.team.status().link?.online === false, 10_000)
      expect(a.events.at(-1)).toMatchObject({
        name: 'teamChanged',
        payload: { link: { online: false, problem: { code: 'team_unreachable' } } },
      })
      await expect(approve(a, pk)).rejects.toMatchObject({ code: 'team_unreachable' })
      await expect(a.app.handlers.takeNextCase(undefined)).rejects.toMatchObject({ code: 'team_unreachable' })
      expect(simulator.decisions).toEqual([])
      expect((await decisionsOf(a, pk)).map((entry) => [entry.phase, entry.errorCode])).toEqual([
        ['intended', undefined],
        ['not_sent', 'team_unreachable'],
      ])
      expect((await a.app.handlers.saveCaseNote({ videoidPk: pk, note: 'Called the signer.' })).note).toBe(
        'Called the signer.',
      )
    } finally {
      await team.cluster.start()
    }
    // Back: the desk reconnects by itself and claims the case still open on it again.
    await waitFor(() => a.app.team.status().link?.online, 15_000)
    await waitFor(() => a.seen(pk)?.claim?.officer === 'ana', 5_000)
    expect((await approve(a, pk)).case.status).toBe('ENROLLREADY')
    expect(simulator.decisions).toEqual([{ action: 'approve', videoidPk: pk }])
  }, 60_000)

  it('writes an outcome lost between the send and the team journal once the database is back, and once only', async () => {
    const a = await desk(ana)
    await add(a, ONE_STEP)
    const pk = pkOf(ONE_STEP)
    await a.app.handlers.openTeamCase({ videoidPk: pk })
    // The approval is done at the Optimizer, and its answer waits; meanwhile the database goes away.
    simulator.inject({ route: 'POST /videoid/*/approve', fault: { kind: 'latency', ms: 1_500 } })
    const deciding = approve(a, pk)
    await waitFor(() => simulator.decisions.length === 1, 5_000)
    await team.cluster.stop()
    try {
      expect((await deciding).case.status).toBe('ENROLLREADY')
    } finally {
      await team.cluster.start()
    }
    await waitFor(() => a.app.team.status().link?.online, 15_000)
    await eventually(async () => (await teamRows(pk)).length === 2, 10_000)
    const local = await decisionsOf(a, pk)
    expect(local.map((entry) => entry.phase)).toEqual(['intended', 'done'])
    const expected = [
      { officer: 'ana', phase: 'intended', action: 'approve', local_seq: String(local[0]?.seq) },
      { officer: 'ana', phase: 'done', action: 'approve', local_seq: String(local[1]?.seq) },
    ]
    expect(await teamRows(pk)).toEqual(expected)

    // A restart that carries the whole local journal again (its mark lost) writes nothing twice.
    const { dataDir, service } = a
    await a.app.close()
    a.app.store.delete('teamJournalMirrored')
    const again = await desk(ana, { dataDir, service })
    // Carried past the outcome (the start's own lock entry may come after it).
    const outcomeSeq = local[1]?.seq ?? Number.POSITIVE_INFINITY
    await waitFor(() => Number(again.app.store.get('teamJournalMirrored') ?? 0) >= outcomeSeq, 10_000)
    expect(await teamRows(pk)).toEqual(expected)
    expect(await sql('SELECT seq FROM rao_team.journal_check')).toEqual([])
  }, 60_000)

  it('keeps four eyes across desks and lets only the admin role change the team settings', async () => {
    const a = await desk(ana)
    const b = await desk(ben)
    const c = await desk(chief)
    expect(c.app.team.status().admin).toBe(true)
    await expect(a.app.handlers.changeTeamSettings({ twoStepMode: true })).rejects.toMatchObject({
      code: 'team_forbidden',
    })
    expect(await c.app.handlers.changeTeamSettings({ twoStepMode: true })).toMatchObject({
      twoStepMode: true,
      fourEyes: true,
      changedBy: 'chief',
    })
    await withinASecond(() => a.app.team.status().settings?.twoStepMode)
    // This desk's own four eyes is off: the team's replaces it.
    expect(a.app.store.get('settings')).toMatchObject({ fourEyes: false })

    await add(a, TWO_STEP)
    const pk = pkOf(TWO_STEP)
    await a.app.handlers.openTeamCase({ videoidPk: pk })
    const validated = await a.app.handlers.decide({
      action: 'validate',
      videoidPk: pk,
      checklist: FULL_CHECKLIST,
    })
    expect(validated.case.status).toBe('CREATED')
    await expect(approve(a, pk)).rejects.toMatchObject({ code: 'four_eyes' })
    // Ana on a second desk, with a journal of its own that knows nothing of her validation: opening
    // the case takes no claim (it is not pending for her), and a claim taken by hand does not help:
    // the database refuses her approval.
    const second = await desk(ana)
    await inBook(second, pk)
    expect(await second.app.handlers.openTeamCase({ videoidPk: pk })).toMatchObject({
      claim: null,
      validatedBy: 'ana',
    })
    const bySql = team.track(await connectAs(team.cluster, ana, database))
    await bySql.query(
      `UPDATE rao_team.claims SET officer = current_user, desk = $3, until = now() + interval '1 minute'
       WHERE case_id = (SELECT id FROM rao_team.cases WHERE videoid_pk = $1 AND optimizer = $2)`,
      [pk, simulator.url, second.app.store.get('teamDesk')],
    )
    await expect(approve(second, pk)).rejects.toMatchObject({ code: 'four_eyes' })
    expect(simulator.decisions).toEqual([{ action: 'validate', videoidPk: pk }])
    await bySql.query(
      `UPDATE rao_team.claims SET until = now()
       WHERE case_id = (SELECT id FROM rao_team.cases WHERE videoid_pk = $1 AND optimizer = $2)`,
      [pk, simulator.url],
    )
    // Another officer approves.
    await inBook(b, pk)
    expect(await b.app.handlers.openTeamCase({ videoidPk: pk })).toMatchObject({ claim: { officer: 'ben' } })
    expect((await approve(b, pk)).case.status).toBe('ENROLLREADY')
    expect(simulator.decisions.map((decision) => decision.action)).toEqual(['validate', 'approve'])
    await c.app.handlers.changeTeamSettings({ twoStepMode: false })
  }, 60_000)

  it('lets go of a case the officer validated, claimed again before the feed said so: another officer approves it', async () => {
    const a = await desk(ana)
    const b = await desk(ben)
    const c = await desk(chief)
    await c.app.handlers.changeTeamSettings({ twoStepMode: true })
    await add(a, TWO_STEP)
    const pk = pkOf(TWO_STEP)
    await inBook(b, pk)
    await a.app.handlers.openTeamCase({ videoidPk: pk })
    await a.app.handlers.decide({ action: 'validate', videoidPk: pk, checklist: FULL_CHECKLIST })
    // Back on the case at once: the team's word that Ana validated it may not have come yet.
    await a.app.handlers.openTeamCase({ videoidPk: pk })
    await b.app.handlers.openTeamCase({ videoidPk: pk })
    await waitFor(() => b.seen(pk)?.claim?.officer === 'ben', 5_000)
    expect(a.seen(pk)).toMatchObject({ validatedBy: 'ana' })
    expect((await approve(b, pk)).case.status).toBe('ENROLLREADY')
  }, 40_000)

  it('releases the claim while the desk is locked, and claims it again when it opens', async () => {
    const a = await desk(ana)
    const b = await desk(ben)
    await add(a, ONE_STEP)
    const pk = pkOf(ONE_STEP)
    await a.app.handlers.openTeamCase({ videoidPk: pk })
    await withinASecond(() => b.seen(pk)?.claim?.officer === 'ana')
    await a.app.handlers.lockDesk(undefined)
    expect(await withinASecond(() => b.seen(pk)?.claim === null)).toBeLessThan(1_000)
    await a.app.handlers.unlockDesk({ pin: OFFICER.pin })
    expect(await withinASecond(() => b.seen(pk)?.claim?.officer === 'ana')).toBeLessThan(1_000)
  }, 40_000)
})
