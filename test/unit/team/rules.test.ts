import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decisionActions, decisionPhases } from '../../../shared/decisions'
import { AppError } from '../../../shared/errors'
import { connectAs, deskStore, type Officer, SCOPE, seedCases, teamCluster } from './fixtures'

/** The SQLSTATE a statement failed with, or 'ok'. */
async function refusal(client: pg.Client, text: string, values: unknown[] = []): Promise<string> {
  try {
    await client.query(text, values)
    return 'ok'
  } catch (error) {
    return (error as { code?: string }).code ?? 'no code'
  }
}

const caseId = async (client: pg.Client, videoidPk: number) =>
  (
    await client.query<{ id: string }>(
      'SELECT id FROM rao_team.cases WHERE videoid_pk = $1 AND optimizer = $2',
      [videoidPk, SCOPE.optimizer],
    )
  ).rows[0]?.id

describe('the team database enforces its rules, whatever SQL an officer sends', () => {
  let team: Awaited<ReturnType<typeof teamCluster>>
  let ana: Officer
  let ben: Officer
  let chief: Officer
  let anaSql: pg.Client
  let benSql: pg.Client

  beforeAll(async () => {
    team = await teamCluster()
    ana = await team.officer('ana')
    ben = await team.officer('ben')
    chief = await team.officer('chief', { admin: true })
    anaSql = team.track(await connectAs(team.cluster, ana))
    benSql = team.track(await connectAs(team.cluster, ben))
    await seedCases(team.admin, 100, 10)
  }, 60_000)
  afterAll(() => team?.close())

  it('writes a claim only as oneself, and never takes another officer’s live claim', async () => {
    const id = await caseId(anaSql, 100)
    // Ana claims case 100 as herself: allowed.
    const own = await anaSql.query(
      `UPDATE rao_team.claims SET officer = current_user, desk = 'a', until = now() + interval '5 minutes' WHERE case_id = $1`,
      [id],
    )
    expect(own.rowCount).toBe(1)
    // Ben writes a claim in Ana's name on another case: refused by the row policy.
    expect(
      await refusal(
        benSql,
        `UPDATE rao_team.claims SET officer = 'ana', desk = 'b', until = now() + interval '5 minutes' WHERE case_id = $1`,
        [await caseId(benSql, 101)],
      ),
    ).toBe('42501')
    // Ben takes Ana's live claim, releases it, or shortens it: no row is his to change.
    for (const statement of [
      `UPDATE rao_team.claims SET officer = current_user, desk = 'b', until = now() + interval '5 minutes' WHERE case_id = $1`,
      `UPDATE rao_team.claims SET until = now() WHERE case_id = $1`,
    ]) {
      const taken = await benSql.query(statement, [id])
      expect(taken.rowCount).toBe(0)
    }
    expect(await refusal(benSql, 'DELETE FROM rao_team.claims WHERE case_id = $1', [id])).toBe('42501')
    expect(
      await refusal(benSql, 'INSERT INTO rao_team.claims (case_id, officer, desk) VALUES ($1, $2, $3)', [
        id,
        'ben',
        'b',
      ]),
    ).toBe('42501')
    const holder = await benSql.query(
      'SELECT officer FROM rao_team.claims WHERE case_id = $1 AND until > now()',
      [id],
    )
    expect(holder.rows).toEqual([{ officer: 'ana' }])
    // A claim longer than the database allows is refused too.
    expect(
      await refusal(
        anaSql,
        `UPDATE rao_team.claims SET officer = current_user, desk = 'a', until = now() + interval '1 day' WHERE case_id = $1`,
        [id],
      ),
    ).toBe('42501')
  })

  it('accepts an intended entry only under the officer’s own live claim, and never updates or deletes one', async () => {
    const id = await caseId(benSql, 102)
    const intend = (client: pg.Client) =>
      refusal(
        client,
        `INSERT INTO rao_team.journal (desk, case_id, action, phase) VALUES ('a', $1, 'refuse', 'intended')`,
        [id],
      )
    expect(await intend(benSql)).toBe('RD001') // no claim at all
    await anaSql.query(
      `UPDATE rao_team.claims SET officer = current_user, desk = 'a', until = now() + interval '5 minutes' WHERE case_id = $1`,
      [id],
    )
    expect(await intend(benSql)).toBe('RD001') // Ana's claim, not Ben's
    expect(await intend(anaSql)).toBe('ok')
    const written = await anaSql.query(
      'SELECT seq, officer, claim_until > at AS covered FROM rao_team.journal WHERE case_id = $1',
      [id],
    )
    expect(written.rows).toEqual([expect.objectContaining({ officer: 'ana', covered: true })])
    const seq = written.rows[0].seq
    // The entry is Ana's: a name written in the statement does not count.
    await anaSql.query(
      `INSERT INTO rao_team.journal (desk, case_id, action, phase, intended_seq) VALUES ('d', $1, 'refuse', 'not_sent', $2)`,
      [id, seq],
    )
    expect(
      await refusal(
        anaSql,
        `INSERT INTO rao_team.journal (desk, case_id, action, phase, officer) VALUES ('d', $1, 'refuse', 'intended', 'ben')`,
        [id],
      ),
    ).toBe('42501')
    // Append-only, for the officer who wrote it as for anyone.
    expect(await refusal(anaSql, `UPDATE rao_team.journal SET reason = 'edited' WHERE seq = $1`, [seq])).toBe(
      '42501',
    )
    expect(await refusal(anaSql, 'DELETE FROM rao_team.journal WHERE seq = $1', [seq])).toBe('42501')
    expect(await refusal(anaSql, 'TRUNCATE rao_team.journal')).toBe('42501')
    expect(await refusal(anaSql, `UPDATE rao_team.journal_head SET seq = 0`)).toBe('42501')
    // Even the owner's rights stop at the trigger: the superuser is refused the same update.
    expect(
      await refusal(team.admin, `UPDATE rao_team.journal SET reason = 'edited' WHERE seq = $1`, [seq]),
    ).toBe('RD005')
  })

  it('refuses, with four eyes on, an approval intended by the officer who validated the case', async () => {
    const id = await caseId(anaSql, 103)
    const claim = (client: pg.Client) =>
      client.query(
        `UPDATE rao_team.claims SET officer = current_user, desk = 'a', until = now() + interval '5 minutes' WHERE case_id = $1`,
        [id],
      )
    await claim(anaSql)
    const intended = await anaSql.query(
      `INSERT INTO rao_team.journal (desk, case_id, action, phase) VALUES ('a', $1, 'validate', 'intended') RETURNING seq`,
      [id],
    )
    // While the validation's outcome is not known, it may have taken effect: the approval waits.
    await anaSql.query(`UPDATE rao_team.claims SET until = now() + interval '5 minutes' WHERE case_id = $1`, [
      id,
    ])
    const approve = (client: pg.Client) =>
      refusal(
        client,
        `INSERT INTO rao_team.journal (desk, case_id, action, phase) VALUES ('a', $1, 'approve', 'intended')`,
        [id],
      )
    expect(await approve(anaSql)).toBe('RD002')
    await anaSql.query(
      `INSERT INTO rao_team.journal (desk, case_id, action, phase, intended_seq) VALUES ('a', $1, 'validate', 'done', $2)`,
      [id, intended.rows[0].seq],
    )
    expect((await anaSql.query('SELECT status FROM rao_team.cases WHERE id = $1', [id])).rows[0].status).toBe(
      'CREATED',
    )
    await claim(anaSql)
    expect(await approve(anaSql)).toBe('RD002')
    // Nothing written after the validation's outcome makes it count as not done: not another officer's
    // outcome of Ana's entry, not a second outcome of her own.
    const outcome = (client: pg.Client, phase: string) =>
      refusal(
        client,
        `INSERT INTO rao_team.journal (desk, case_id, action, phase, intended_seq) VALUES ('a', $1, 'validate', $2, $3)`,
        [id, phase, intended.rows[0].seq],
      )
    expect(await outcome(benSql, 'settled_not_done')).toBe('RD006')
    for (const phase of ['refused', 'not_sent', 'settled_not_done', 'unknown', 'done'])
      expect(await outcome(anaSql, phase)).toBe('RD007')
    expect(await approve(anaSql)).toBe('RD002')
    // Ben may: the claim is released by the validation's outcome, and he takes it.
    await anaSql.query(`UPDATE rao_team.claims SET until = now() WHERE case_id = $1`, [id])
    await claim(benSql)
    expect(await approve(benSql)).toBe('ok')
  })

  it('lets only the admin role change the team settings', async () => {
    expect(await refusal(anaSql, 'UPDATE rao_team.settings SET four_eyes = false')).toBe('42501')
    expect(await refusal(anaSql, 'DELETE FROM rao_team.settings')).toBe('42501')
    const officerDesk = deskStore(team.cluster, ana)
    team.track(officerDesk.store)
    await expect(officerDesk.store.changeSettings({ twoStepMode: true })).rejects.toMatchObject({
      code: 'team_forbidden',
    })
    const chiefDesk = deskStore(team.cluster, chief)
    team.track(chiefDesk.store)
    const changed = await chiefDesk.store.changeSettings({ twoStepMode: true })
    expect(changed).toMatchObject({ twoStepMode: true, fourEyes: true, changedBy: 'chief' })
    expect(await officerDesk.store.settings()).toMatchObject({ twoStepMode: true, changedBy: 'chief' })
    await chiefDesk.store.changeSettings({ twoStepMode: false })
  })

  it('has admins bound by the rules like anyone: none can act as the owner', async () => {
    const chiefSql = team.track(await connectAs(team.cluster, chief))
    expect(await refusal(chiefSql, 'SET ROLE rao_team_owner')).toBe('42501')
    expect(await refusal(chiefSql, `UPDATE rao_team.journal SET reason = 'x'`)).toBe('42501')
    const id = await caseId(chiefSql, 100) // Ana's live claim
    const taken = await chiefSql.query(
      `UPDATE rao_team.claims SET officer = current_user WHERE case_id = $1`,
      [id],
    )
    expect(taken.rowCount).toBe(0)
  })

  it('carries a local journal entry’s fields as the desk wrote them', async () => {
    const store = team.track(deskStore(team.cluster, ben).store)
    expect((await store.claim(105)).claimed).toBe(true)
    const reason = `El documento no es legible — "copia" con \\ y '; DROP TABLE x; --`
    const intended = await store.recordIntended({
      scope: SCOPE,
      videoidPk: 105,
      action: 'refuse',
      reason,
      language: 'es',
      pairConfirmed: true,
      resendOf: 41,
      attempt: 42,
      local: { seq: 42, mac: 'a'.repeat(64), time: '2026-03-01T10:00:00.123Z' },
    })
    const outcome = await store.recordOutcome({
      intendedSeq: intended.seq,
      phase: 'unknown',
      errorCode: 'timeout',
      attempt: 42,
      local: { seq: 43, mac: 'b'.repeat(64), time: '2026-03-01T10:00:31.000Z' },
    })
    const settled = await store.recordOutcome({
      intendedSeq: intended.seq,
      phase: 'settled_done',
      status: 'CANCELLED',
      attempt: 42,
    })
    const entries = (await store.readJournal({ afterSeq: intended.seq - 1 })).filter(
      (entry) => entry.videoidPk === 105,
    )
    expect(entries).toEqual([
      expect.objectContaining({
        seq: intended.seq,
        officer: 'ben',
        desk: 'desk-ben',
        optimizer: SCOPE.optimizer,
        environment: SCOPE.environment,
        videoidPk: 105,
        requestPk: 500105,
        action: 'refuse',
        phase: 'intended',
        intendedSeq: null,
        reason,
        language: 'es',
        pairConfirmed: true,
        resendOf: 41,
        attempt: 42,
        errorCode: null,
        local: { seq: 42, mac: 'a'.repeat(64), time: '2026-03-01T10:00:00.123Z' },
      }),
      expect.objectContaining({
        seq: outcome.seq,
        phase: 'unknown',
        intendedSeq: intended.seq,
        errorCode: 'timeout',
        local: { seq: 43, mac: 'b'.repeat(64), time: '2026-03-01T10:00:31.000Z' },
      }),
      expect.objectContaining({
        seq: settled.seq,
        phase: 'settled_done',
        status: 'CANCELLED',
        claimSince: null,
      }),
    ])
    expect(entries[0]?.claimUntil).not.toBeNull()
    // The settled outcome moved the case on and ended the claim.
    expect(await store.readCase(105)).toMatchObject({ status: 'CANCELLED', claim: null })
    expect(await store.checkJournal()).toMatchObject({ ok: true })
  })

  it('keeps a desk’s entry once, however often and however at once it is written again', async () => {
    const store = team.track(deskStore(team.cluster, ana).store)
    const other = team.track(deskStore(team.cluster, ana).store)
    expect((await store.claim(106)).claimed).toBe(true)
    const local = (seq: number) => ({ seq, mac: 'c'.repeat(64), time: '2026-03-02T10:00:00.000Z' })
    const intended = await store.recordIntended({
      scope: SCOPE,
      videoidPk: 106,
      action: 'approve',
      local: local(7),
    })
    // Its answer lost: written again, the database gives back the first.
    expect(
      await store.recordIntended({ scope: SCOPE, videoidPk: 106, action: 'approve', local: local(7) }),
    ).toEqual(intended)
    expect(await store.intendedSeqOf(7)).toBe(intended.seq)
    expect(await store.intendedSeqOf(8)).toBeNull()
    // The outcome replayed after a restart: twice at once, from two connections, and once more after.
    // A "done" moves the case only to a status its action produces: an approval never cancels.
    await expect(
      store.recordOutcome({ intendedSeq: intended.seq, phase: 'done', status: 'CANCELLED' }),
    ).rejects.toMatchObject({ code: 'invalid_input' })
    const outcome = { intendedSeq: intended.seq, phase: 'done' as const, local: local(8) }
    const [first, second] = await Promise.all([store.recordOutcome(outcome), other.recordOutcome(outcome)])
    expect(second).toEqual(first)
    expect(await store.recordOutcome(outcome)).toEqual(first)
    const rows = await team.admin.query(
      `SELECT phase FROM rao_team.journal WHERE officer = 'ana' AND desk = 'desk-ana' AND local_seq IN (7, 8)`,
    )
    expect(rows.rows.map((row) => row.phase).sort()).toEqual(['done', 'intended'])
    // Another entry under a number already used is a mistake, and says so.
    await expect(
      store.recordOutcome({ intendedSeq: intended.seq, phase: 'refused', local: local(8) }),
    ).rejects.toMatchObject({ code: 'invalid_input' })
    // Another officer cannot write an outcome of Ana's entry, even one naming her desk and a number of hers.
    expect(
      await refusal(
        benSql,
        `INSERT INTO rao_team.journal (desk, case_id, action, phase, intended_seq, local_seq)
         VALUES ('desk-ana', $1, 'approve', 'done', $2, 9)`,
        [await caseId(benSql, 106), intended.seq],
      ),
    ).toBe('RD006')
    expect((await store.claim(107)).claimed).toBe(true)
    expect(
      await store.recordIntended({ scope: SCOPE, videoidPk: 107, action: 'approve', local: local(9) }),
    ).toMatchObject({
      seq: expect.any(Number),
    })
    expect(await store.checkJournal()).toMatchObject({ ok: true })
  })

  it('keeps the journal chained, hashed by the database, and finds an entry changed behind its back', async () => {
    const store = team.track(deskStore(team.cluster, ana).store)
    expect(await store.checkJournal()).toEqual({ ok: true, entries: expect.any(Number) })
    const entries = await store.readJournal()
    expect(entries.length).toBeGreaterThan(3)
    entries.forEach((entry, index) => {
      expect(entry.seq).toBe(index + 1)
      expect(entry.prevHash).toBe(index === 0 ? '0'.repeat(64) : entries[index - 1]?.hash)
      expect(entry.hash).toMatch(/^[0-9a-f]{64}$/)
    })
    // Someone with the server's own rights edits a row, bypassing the trigger.
    await team.admin.query('ALTER TABLE rao_team.journal DISABLE TRIGGER frozen')
    await team.admin.query(`UPDATE rao_team.journal SET reason = 'edited' WHERE seq = 2`)
    await team.admin.query('ALTER TABLE rao_team.journal ENABLE TRIGGER frozen')
    expect(await store.checkJournal()).toEqual({ ok: false, brokenAt: 2, problem: 'this entry was changed' })
  })

  it('accepts in the journal exactly the actions and phases the app journals', async () => {
    const { rows } = await team.admin.query<{ definition: string }>(
      `SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint
       WHERE conrelid = 'rao_team.journal'::regclass AND contype = 'c'`,
    )
    /** The words a CHECK (column IN (...)) allows, as the database keeps it. */
    const allowed = (column: string) => {
      const definition = rows.find((row) => row.definition.includes(`(${column} = ANY`))?.definition ?? ''
      return [...definition.matchAll(/'([a-z_]+)'::text/g)].map((match) => match[1]).sort()
    }
    expect(allowed('action')).toEqual([...decisionActions].sort())
    expect(allowed('phase')).toEqual([...decisionPhases].sort())
  })

  it('gives the store’s refusals as typed errors', async () => {
    const store = team.track(deskStore(team.cluster, ben).store)
    const failure = await store
      .recordIntended({ scope: SCOPE, videoidPk: 104, action: 'approve' })
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(AppError)
    expect(failure).toMatchObject({ code: 'team_no_claim' })
    await expect(
      store.recordIntended({ scope: SCOPE, videoidPk: 999_999, action: 'approve' }),
    ).rejects.toMatchObject({
      code: 'not_found',
    })
    await expect(
      store.recordIntended({ scope: SCOPE, videoidPk: -1, action: 'approve' }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
    })
    await expect(
      store.recordIntended({ scope: SCOPE, videoidPk: 104, action: 'sign' as 'approve' }),
    ).rejects.toMatchObject({ code: 'invalid_input' })
    await expect(
      store.recordOutcome({ intendedSeq: 1, phase: 'done', status: "x'); drop" }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
    })
  })
})
