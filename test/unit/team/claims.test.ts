import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TeamScope } from '../../../shared/team'
import { connectAs, deskStore, type Officer, SCOPE, seedCases, teamCluster } from './fixtures'

describe('claims and take-next', () => {
  let team: Awaited<ReturnType<typeof teamCluster>>
  const officers: Officer[] = []

  beforeAll(async () => {
    team = await teamCluster()
    for (let index = 0; index < 12; index++) officers.push(await team.officer(`officer_${index}`))
  }, 60_000)
  afterAll(() => team?.close())

  const desk = (index: number, leaseSeconds?: number) => {
    const officer = officers[index]
    if (!officer) throw new Error('no such officer')
    return team.track(deskStore(team.cluster, officer, leaseSeconds ? { leaseSeconds } : {}).store)
  }

  it('claims, renews, releases; another officer sees who holds the case and cannot take it', async () => {
    await seedCases(team.admin, 1, 3)
    const [a, b] = [desk(0), desk(1)]
    const first = await a.claim(1)
    expect(first).toMatchObject({
      claimed: true,
      case: { claim: { officer: 'officer_0', desk: 'desk-officer_0' } },
    })
    expect(first.case.claim?.expiresInMs).toBeGreaterThan(170_000)
    expect(first.case.claim?.expiresInMs).toBeLessThanOrEqual(180_000)
    const other = await b.claim(1)
    expect(other).toMatchObject({ claimed: false, case: { claim: { officer: 'officer_0' } } })
    // A renewal keeps "since": the officer has held it all along.
    const renewed = await a.claim(1)
    expect(renewed.claimed).toBe(true)
    expect(renewed.case.claim?.since).toBe(first.case.claim?.since)
    expect(await b.release(1)).toBe(false)
    expect(await a.release(1)).toBe(true)
    expect((await b.readCase(1))?.claim).toBeNull()
    const taken = await b.claim(1)
    expect(taken).toMatchObject({ claimed: true, case: { claim: { officer: 'officer_1' } } })
    await b.release(1)
    await expect(a.claim(424242)).rejects.toMatchObject({ code: 'not_found' })
  })

  it('keeps a live claim with its desk: the same officer on another desk neither takes, renews nor decides under it', async () => {
    await seedCases(team.admin, 20, 1)
    const officer = officers[8] as Officer
    const first = team.track(deskStore(team.cluster, officer, { desk: 'front' }).store)
    const second = team.track(deskStore(team.cluster, officer, { desk: 'back' }).store)
    expect(await first.claim(20)).toMatchObject({ claimed: true, case: { claim: { desk: 'front' } } })
    expect(await second.claim(20)).toMatchObject({ claimed: false, case: { claim: { desk: 'front' } } })
    await expect(
      second.recordIntended({ scope: SCOPE, videoidPk: 20, action: 'refuse', reason: 'r' }),
    ).rejects.toMatchObject({
      code: 'team_no_claim',
    })
    expect(await second.release(20)).toBe(false)
    // Plain SQL as the same officer cannot move the live claim to another desk either.
    const sql = team.track(await connectAs(team.cluster, officer))
    const moved = await sql.query(
      `UPDATE rao_team.claims cl SET desk = 'back', until = now() + interval '5 minutes' FROM rao_team.cases c
       WHERE cl.case_id = c.id AND c.videoid_pk = 20`,
    )
    expect(moved.rowCount).toBe(0)
    expect((await first.readCase(20))?.claim).toMatchObject({ officer: officer.role, desk: 'front' })
    expect(
      await first.recordIntended({ scope: SCOPE, videoidPk: 20, action: 'refuse', reason: 'r' }),
    ).toMatchObject({
      seq: expect.any(Number),
    })
  })

  it('keeps a case with the desk whose decision waits for its outcome, even once its claim has ended', async () => {
    await team.admin.query(`UPDATE rao_team.cases SET status = 'ENROLLREADY'`)
    await seedCases(team.admin, 30, 1)
    const [a, b] = [desk(9), desk(10)]
    expect((await a.claim(30)).claimed).toBe(true)
    const { seq } = await a.recordIntended({ scope: SCOPE, videoidPk: 30, action: 'approve' })
    await a.recordOutcome({ intendedSeq: seq, phase: 'unknown', errorCode: 'timeout' })
    // Leaving the case does not end the claim while the approval may have taken effect.
    expect(await a.release(30)).toBe(false)
    expect((await b.readCase(30))?.claim).toMatchObject({ officer: 'officer_9' })
    // The lease runs out (the desk was killed): still no one else claims it, takes it next or decides it.
    await team.admin.query(
      `UPDATE rao_team.claims cl SET until = now() FROM rao_team.cases c WHERE cl.case_id = c.id AND c.videoid_pk = 30`,
    )
    expect(await b.claim(30)).toMatchObject({ claimed: false, case: { claim: null } })
    expect(await b.takeNext()).toBeNull()
    const sql = team.track(await connectAs(team.cluster, officers[10] as Officer))
    const taken = await sql.query(
      `UPDATE rao_team.claims cl SET officer = current_user, desk = 'desk-officer_10', until = now() + interval '5 minutes'
       FROM rao_team.cases c WHERE cl.case_id = c.id AND c.videoid_pk = 30`,
    )
    expect(taken.rowCount).toBe(0)
    // A claim handed over behind the rules' back still writes no intended entry.
    await team.admin.query('ALTER TABLE rao_team.claims DISABLE TRIGGER stamp')
    await team.admin.query(
      `UPDATE rao_team.claims cl SET officer = 'officer_10', desk = 'desk-officer_10', until = now() + interval '5 minutes'
       FROM rao_team.cases c WHERE cl.case_id = c.id AND c.videoid_pk = 30`,
    )
    await team.admin.query('ALTER TABLE rao_team.claims ENABLE TRIGGER stamp')
    await expect(b.recordIntended({ scope: SCOPE, videoidPk: 30, action: 'approve' })).rejects.toMatchObject({
      code: 'team_no_claim',
      message: expect.stringContaining('another desk'),
    })
    await team.admin.query(
      `UPDATE rao_team.claims cl SET until = now() FROM rao_team.cases c WHERE cl.case_id = c.id AND c.videoid_pk = 30`,
    )
    // Settled as not done by the first desk: the case is free again.
    await a.recordOutcome({ intendedSeq: seq, phase: 'settled_not_done', status: 'VIDEOREVIEW' })
    expect(await b.takeNext()).toMatchObject({ videoidPk: 30, claim: { officer: 'officer_10' } })
    await b.release(30)
  })

  it('holds a case for an unsettled decision an hour and five minutes at most, by the database’s clock', async () => {
    await team.admin.query(`UPDATE rao_team.cases SET status = 'ENROLLREADY'`)
    await seedCases(team.admin, 35, 1)
    const [a, b] = [desk(9), desk(10)]
    expect((await a.claim(35)).claimed).toBe(true)
    const { seq } = await a.recordIntended({ scope: SCOPE, videoidPk: 35, action: 'refuse', reason: 'r' })
    await a.recordOutcome({ intendedSeq: seq, phase: 'unknown', errorCode: 'timeout' })
    // The desk never came back: its lease has run out, and its intended entry is as old as the test says
    // (moved back in time as the superuser, past the journal's own guard, then the guard put back).
    const writtenAgo = async (minutes: number) => {
      await team.admin.query('ALTER TABLE rao_team.journal DISABLE TRIGGER USER')
      await team.admin.query(
        `UPDATE rao_team.journal SET at = now() - make_interval(mins => $2) WHERE seq = $1`,
        [seq, minutes],
      )
      await team.admin.query('ALTER TABLE rao_team.journal ENABLE TRIGGER USER')
    }
    await team.admin.query(
      `UPDATE rao_team.claims cl SET until = now() FROM rao_team.cases c WHERE cl.case_id = c.id AND c.videoid_pk = 35`,
    )
    await writtenAgo(64)
    expect(await b.claim(35)).toMatchObject({ claimed: false })
    expect(await b.takeNext()).toBeNull()
    await writtenAgo(66)
    expect(await b.claim(35)).toMatchObject({ claimed: true, case: { claim: { officer: 'officer_10' } } })
    await b.release(35)
  })

  it('extends a claim through the send, and a renewal never shortens it', async () => {
    await seedCases(team.admin, 40, 1)
    const a = desk(11, 5)
    expect((await a.claim(40)).case.claim?.expiresInMs).toBeLessThanOrEqual(5_000)
    // The intended entry extends the 5 s lease to two minutes by the database's clock, to cover the send.
    await a.recordIntended({ scope: SCOPE, videoidPk: 40, action: 'refuse', reason: 'r' })
    expect((await a.readCase(40))?.claim?.expiresInMs).toBeGreaterThan(110_000)
    // The desk renews with its 5 s lease meanwhile: the claim keeps its two minutes.
    const renewed = await a.claim(40)
    expect(renewed.claimed).toBe(true)
    expect(renewed.case.claim?.expiresInMs).toBeGreaterThan(110_000)
  })

  it('writes an intended entry in the decision’s scope, whatever the desk shows by then', async () => {
    await seedCases(team.admin, 50, 1)
    let shown: TeamScope = SCOPE
    const officer = officers[11] as Officer
    const a = team.track(deskStore(team.cluster, officer, { scope: () => shown }).store)
    expect((await a.claim(50)).claimed).toBe(true)
    // The officer switches to another Optimizer while the decision is on its way.
    shown = { optimizer: 'https://other.example', environment: 'prod' }
    const { seq } = await a.recordIntended({ scope: SCOPE, videoidPk: 50, action: 'refuse', reason: 'r' })
    const written = await team.admin.query(
      `SELECT c.optimizer, c.videoid_pk FROM rao_team.journal j JOIN rao_team.cases c ON c.id = j.case_id WHERE j.seq = $1`,
      [seq],
    )
    expect(written.rows).toEqual([{ optimizer: SCOPE.optimizer, videoid_pk: '50' }])
  })

  it('lets a claim expire by the database’s clock', async () => {
    await seedCases(team.admin, 10, 1)
    const [a, b] = [desk(2, 2), desk(3)]
    const held = await a.claim(10)
    expect(held.claimed).toBe(true)
    expect((await b.claim(10)).claimed).toBe(false)
    // The lease is counted by the server: 2 s after the claim it has run out, whatever this process's clock says.
    const serverNow = async () =>
      new Date(
        (await team.admin.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0]?.now ?? 0,
      ).getTime()
    const until = new Date(held.case.claim?.since ?? 0).getTime() + 2_000
    while ((await serverNow()) <= until) await new Promise((resolve) => setTimeout(resolve, 100))
    expect((await b.readCase(10))?.claim).toBeNull()
    // And the intended entry is refused under an expired claim.
    await expect(
      a.recordIntended({ scope: SCOPE, videoidPk: 10, action: 'refuse', reason: 'r' }),
    ).rejects.toMatchObject({
      code: 'team_no_claim',
    })
    expect(await b.claim(10)).toMatchObject({ claimed: true, case: { claim: { officer: 'officer_3' } } })
    await b.release(10)
  })

  it('gives every officer pressing take-next at once a different case, oldest first', async () => {
    await team.admin.query(`UPDATE rao_team.cases SET status = 'ENROLLREADY'`)
    // Case 1029 has waited longest: it comes first.
    await seedCases(team.admin, 1029, 1)
    await seedCases(team.admin, 1000, 29)
    await seedCases(team.admin, 1030, 90)
    const desks = officers.map((_, index) => desk(index))
    // Connections open beforehand, so that the presses arrive together.
    await Promise.all(desks.map((store) => Promise.all([store.settings(), store.settings()])))
    const rounds: (number | null)[][] = []
    for (let round = 0; round < 12; round++) {
      const taken = await Promise.all(desks.map((store) => store.takeNext()))
      rounds.push(taken.map((item) => item?.videoidPk ?? null))
      // Each officer keeps the case taken, so the next round must find others.
      for (const [index, item] of taken.entries())
        if (item) expect(item.claim?.officer).toBe(`officer_${index}`)
    }
    const all = rounds.flat()
    const got = all.filter((pk): pk is number => pk !== null)
    expect(new Set(got).size).toBe(got.length)
    expect(got).toHaveLength(120)
    expect(all.filter((pk) => pk === null)).toHaveLength(12 * 12 - 120)
    expect(rounds[0]).toContain(1029)
    // Nothing is left: every pending case is claimed, each by the officer take-next gave it to.
    expect(await desks[0]?.takeNext()).toBeNull()
    const holders = await team.admin.query<{ n: string }>(
      `SELECT count(DISTINCT cl.case_id) AS n FROM rao_team.claims cl JOIN rao_team.cases c ON c.id = cl.case_id
       WHERE c.status = 'VIDEOREVIEW' AND cl.until > now()`,
    )
    expect(Number(holders.rows[0]?.n)).toBe(120)
  })

  it('gives a free case while another desk is sharing it (its row locked for the upsert)', async () => {
    await team.admin.query(`UPDATE rao_team.cases SET status = 'ENROLLREADY'`)
    await seedCases(team.admin, 3000, 2)
    // Another desk shares both cases in a transaction still open: the rows are locked until it ends.
    const sharing = team.track(await connectAs(team.cluster, officers[6] as Officer))
    await sharing.query('BEGIN')
    await sharing.query(
      `INSERT INTO rao_team.cases AS c (optimizer, environment, videoid_pk, request_pk, pair_verified, status)
       SELECT $1, $2, v, v + 500000, true, 'VIDEOREVIEW' FROM generate_series(3000, 3001) AS v
       ON CONFLICT (optimizer, environment, videoid_pk) DO UPDATE SET status = excluded.status`,
      [SCOPE.optimizer, SCOPE.environment],
    )
    try {
      expect(await desk(7).takeNext()).toMatchObject({ videoidPk: 3000, claim: { officer: 'officer_7' } })
    } finally {
      await sharing.query('ROLLBACK')
    }
  })

  it('takes approvals in two-step mode only, and never gives an officer a case they validated', async () => {
    await team.admin.query(`UPDATE rao_team.cases SET status = 'ENROLLREADY'`)
    await seedCases(team.admin, 2000, 1, 'CREATED')
    const [a, b] = [desk(4), desk(5)]
    expect(await a.takeNext()).toBeNull()
    await team.admin.query('UPDATE rao_team.settings SET two_step = true')
    // Officer 4 validated case 2000 (the journal says so), so take-next passes it by; officer 5 gets it.
    await team.admin.query(`UPDATE rao_team.cases SET status = 'VIDEOREVIEW' WHERE videoid_pk = 2000`)
    expect((await a.claim(2000)).claimed).toBe(true)
    const { seq } = await a.recordIntended({ scope: SCOPE, videoidPk: 2000, action: 'validate' })
    await a.recordOutcome({ intendedSeq: seq, phase: 'done' })
    const afterValidation = await a.readCase(2000)
    expect(afterValidation).toMatchObject({ status: 'CREATED', claim: null, validatedBy: 'officer_4' })
    expect(await a.takeNext()).toBeNull()
    expect(await b.takeNext()).toMatchObject({ videoidPk: 2000, claim: { officer: 'officer_5' } })
    await team.admin.query('UPDATE rao_team.settings SET two_step = false')
  })
})
