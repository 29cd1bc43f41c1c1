import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectAs, deskStore, type Officer, SCOPE, seedCases, teamCluster, waitFor } from './fixtures'

describe('the live feed', () => {
  let team: Awaited<ReturnType<typeof teamCluster>>
  let ana: Officer
  let ben: Officer

  beforeAll(async () => {
    team = await teamCluster()
    ana = await team.officer('ana')
    ben = await team.officer('ben')
    await seedCases(team.admin, 1, 5)
  }, 60_000)
  afterAll(() => team?.close())

  const online = (desk: ReturnType<typeof deskStore>) => waitFor(() => desk.store.state().online, 15_000)

  it('shows a case added, claimed, released or decided on one desk to the others within a second', async () => {
    // A poll far away: what arrives comes from the notification.
    const a = deskStore(team.cluster, ana, { pollMs: 600_000 })
    const b = deskStore(team.cluster, ben, { pollMs: 600_000 })
    team.track(a.store)
    team.track(b.store)
    a.store.start()
    b.store.start()
    await online(a)
    await online(b)
    // The first look brings the whole scope.
    expect(b.changes[0]).toMatchObject({ full: true, settings: { twoStepMode: false, fourEyes: true } })
    expect(b.changes[0]?.cases.map((item) => item.videoidPk)).toEqual([1, 2, 3, 4, 5])

    const within = async (what: () => boolean) => {
      const started = performance.now()
      await waitFor(what, 1_000)
      return performance.now() - started
    }
    expect(
      await a.store.shareCases([
        { videoidPk: 50, requestPk: 5050, status: 'VIDEOREVIEW', pairVerified: true },
      ]),
    ).toEqual({ written: 1, queued: 0 })
    expect(await within(() => b.seen(50)?.addedBy === 'ana')).toBeLessThan(1_000)
    await a.store.claim(50)
    expect(await within(() => b.seen(50)?.claim?.officer === 'ana')).toBeLessThan(1_000)
    await a.store.release(50)
    expect(await within(() => b.seen(50)?.claim === null)).toBeLessThan(1_000)
    await a.store.claim(50)
    const { seq } = await a.store.recordIntended({ scope: SCOPE, videoidPk: 50, action: 'approve' })
    await a.store.recordOutcome({ intendedSeq: seq, phase: 'done' })
    expect(
      await within(() => b.seen(50)?.status === 'ENROLLREADY' && b.seen(50)?.claim === null),
    ).toBeLessThan(1_000)
    // A sync that reads the same status again changes nothing and wakes no one: no notification at all.
    const listener = team.track(await connectAs(team.cluster, ben))
    let woken = 0
    listener.on('notification', () => woken++)
    await listener.query('LISTEN rao_team')
    const before = b.changes.length
    await a.store.shareCases([{ videoidPk: 50, requestPk: 5050, status: 'ENROLLREADY', pairVerified: true }])
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(woken).toBe(0)
    expect(b.changes.length).toBe(before)
    // A share that changes a case wakes the desks once for the statement, however many rows it changed.
    await seedCases(team.admin, 90, 2, 'VIDEOPENDING')
    await new Promise((resolve) => setTimeout(resolve, 100))
    woken = 0
    await a.store.shareCases([
      { videoidPk: 90, requestPk: 500090, status: 'VIDEOREVIEW', pairVerified: true },
      { videoidPk: 91, requestPk: 500091, status: 'VIDEOREVIEW', pairVerified: true },
    ])
    await waitFor(() => woken > 0, 1_000)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(woken).toBe(1)
  })

  it('misses no commit, whatever order transactions finish in', async () => {
    const b = deskStore(team.cluster, ben, { pollMs: 600_000 })
    team.track(b.store)
    b.store.start()
    await online(b)
    // Ana's transaction starts first (it has the older id) and commits last.
    const slow = team.track(await connectAs(team.cluster, ana))
    await slow.query('BEGIN')
    await slow.query(
      `UPDATE rao_team.claims SET officer = current_user, desk = 'slow', until = now() + interval '5 minutes'
       WHERE case_id = (SELECT id FROM rao_team.cases WHERE videoid_pk = 4)`,
    )
    const quick = team.track(deskStore(team.cluster, ana).store)
    await quick.claim(5)
    await waitFor(() => b.seen(5)?.claim?.officer === 'ana', 1_000)
    await slow.query('COMMIT')
    await waitFor(() => b.seen(4)?.claim?.officer === 'ana', 1_000)
  })

  it('never takes a case back a stage, nor un-verifies a pair, whichever desk read last', async () => {
    const a = team.track(deskStore(team.cluster, ana).store)
    await a.shareCases([{ videoidPk: 60, requestPk: 6000, status: 'CREATED', pairVerified: false }])
    await a.shareCases([{ videoidPk: 60, requestPk: 6001, status: 'VIDEOREVIEW', pairVerified: true }])
    expect(await a.readCase(60)).toMatchObject({ status: 'CREATED', requestPk: 6001, pairVerified: true })
    await a.shareCases([{ videoidPk: 60, requestPk: 6002, status: 'ENROLLREADY', pairVerified: false }])
    expect(await a.readCase(60)).toMatchObject({ status: 'ENROLLREADY', requestPk: 6001, pairVerified: true })
  })

  it('after the database restarts mid-work: reconnects, listens again, catches up, and loses no add', async () => {
    // Ben's desk comes back slowly, so that others work while it is away.
    const a = deskStore(team.cluster, ana, { pollMs: 600_000 })
    const b = deskStore(team.cluster, ben, { pollMs: 600_000, backoff: { firstMs: 8_000, maxMs: 8_000 } })
    team.track(a.store)
    team.track(b.store)
    a.store.start()
    b.store.start()
    await online(a)
    await online(b)

    await team.admin.end()
    await team.cluster.stop()
    await waitFor(() => !b.store.state().online && !a.store.state().online, 5_000)
    const offline = b.store.state()
    expect(offline).toMatchObject({ online: false, problem: { code: 'team_unreachable' } })
    // Deciding fails closed while the database is away.
    await expect(b.store.claim(1)).rejects.toMatchObject({ code: 'team_unreachable' })
    await expect(
      b.store.recordIntended({ scope: SCOPE, videoidPk: 1, action: 'approve' }),
    ).rejects.toMatchObject({
      code: 'team_unreachable',
    })
    // Adds made while away are kept.
    expect(
      await b.store.shareCases([
        { videoidPk: 70, requestPk: 7070, status: 'VIDEOREVIEW', pairVerified: true },
      ]),
    ).toEqual({ written: 0, queued: 1 })

    await team.cluster.start()
    // Ana's desk is back first and works while Ben's is still away.
    await online(a)
    await a.store.shareCases([{ videoidPk: 71, requestPk: 7171, status: 'VIDEOREVIEW', pairVerified: false }])
    await a.store.claim(2)
    // What follows is catch-up, not notification: Ben's desk was not listening when these happened.
    expect(b.store.state().online).toBe(false)
    await online(b)
    // Ben's desk caught up on both, and wrote its own add.
    expect(b.seen(71)).toMatchObject({ addedBy: 'ana', pairVerified: false })
    expect(b.seen(2)?.claim?.officer).toBe('ana')
    await waitFor(() => a.seen(70)?.addedBy === 'ben', 1_000)
    // And it listens again: Ana's next claim arrives within a second.
    await a.store.claim(3)
    await waitFor(() => b.seen(3)?.claim?.officer === 'ana', 1_000)
  }, 40_000)

  it('resumes from a remembered cursor with only what changed, and starts over after a restore', async () => {
    const first = deskStore(team.cluster, ben)
    first.store.start()
    await online(first)
    const cursor = first.store.cursor()
    await first.store.close()
    const a = team.track(deskStore(team.cluster, ana).store)
    await a.shareCases([{ videoidPk: 80, requestPk: 8080, status: 'VIDEOREVIEW', pairVerified: true }])

    const resumed = deskStore(team.cluster, ben, { cursor })
    team.track(resumed.store)
    resumed.store.start()
    await online(resumed)
    expect(resumed.changes[0]).toMatchObject({ full: false, settings: null })
    expect(resumed.changes[0]?.cases.map((item) => item.videoidPk)).toEqual([80])

    // A cursor beyond anything the database has done: it was restored to an earlier point.
    const restored = deskStore(team.cluster, ben, { cursor: cursor.replace(/^\d+/, '99999999999') })
    team.track(restored.store)
    restored.store.start()
    await online(restored)
    expect(restored.changes[0]?.full).toBe(true)
    expect(restored.changes[0]?.cases.length).toBeGreaterThan(5)

    // Another scope: everything in it, nothing from the first.
    const elsewhere = deskStore(team.cluster, ben, {
      cursor,
      scope: () => ({ ...SCOPE, environment: 'prod' }),
    })
    team.track(elsewhere.store)
    elsewhere.store.start()
    await online(elsewhere)
    expect(elsewhere.changes[0]).toMatchObject({ full: true, cases: [] })
  })
})
