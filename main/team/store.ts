import { createHash } from 'node:crypto'
import pg from 'pg'
import type { z } from 'zod'
import { AppError } from '../../shared/errors'
import {
  deskIdSchema,
  type JournalCheck,
  readJournalInputSchema,
  type SharedCase,
  shareCasesInputSchema,
  type TeamCase,
  type TeamConnection,
  type TeamIntendedInput,
  type TeamJournalEntry,
  type TeamLinkState,
  type TeamOutcomeInput,
  type TeamScope,
  type TeamSettings,
  type TeamSettingsChange,
  teamConnectionSchema,
  teamIntendedInputSchema,
  teamOutcomeInputSchema,
  teamPkSchema,
  teamScopeSchema,
  teamSettingsChangeSchema,
} from '../../shared/team'
import type { Logger } from '../log'
import { clientConfig, parseDeskUrl } from './config'
import { teamError } from './errors'
import { createLink } from './link'
import { CASE_COLUMNS, toJournalEntry, toSettings, toTeamCase } from './rows'

/** What a desk reads after a wake-up: the cases that changed in its scope, and the settings if they did. */
export interface TeamChanges {
  cases: TeamCase[]
  settings: TeamSettings | null
  /** Remember it: a store opened with it later sends only what changed after. */
  cursor: string
  /**
   * The whole picture (a first look, another scope, or a database restored to an earlier point): every
   * case of the scope still open or held, and the settings.
   */
  full: boolean
}

export type ClaimResult = { claimed: true; case: TeamCase } | { claimed: false; case: TeamCase }

export interface TeamStoreOptions {
  connection: TeamConnection
  /** This installation's id, written beside its claims and journal entries. */
  desk: string
  /** The Optimizer and environment the desk works on, read at each call. */
  scope: () => TeamScope
  /** RAO_DESK_EXTRA_CA_FILE's PEM, trusted beside Node's roots and the system's store. */
  extraCaPem?: string
  /** How long a claim lasts unless renewed (up to 900 seconds; 180 unless said). */
  leaseSeconds?: number
  /** Where a previous run's changes stopped (`TeamChanges.cursor`). */
  cursor?: string
  onChanges?: (changes: TeamChanges) => void
  onState?: (state: TeamLinkState) => void
  log: Logger
  backoff?: { firstMs: number; maxMs: number }
  pollMs?: number
  /** How long a wake-up waits for more changes before reading them (200 ms unless said). */
  gatherMs?: number
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value)
  if (!parsed.success)
    throw new AppError('invalid_input', 'Some of the values are not valid.', parsed.error.issues[0]?.message)
  return parsed.data
}

const BATCH = 500
const UNIQUE_VIOLATION = '23505'

/**
 * The team database as the app uses it: shared cases, claims and take-next, the team's decision journal
 * and settings, and a live feed of what other desks change. Every rule (claims as oneself, a live claim
 * for an intended decision, four eyes, append-only journal, settings by the admin role) is enforced by
 * the database itself; this store only asks. Inputs are checked here before any statement is sent.
 */
export function createTeamStore(options: TeamStoreOptions) {
  const connection = parse(teamConnectionSchema, options.connection)
  const desk = parse(deskIdSchema, options.desk)
  const address = parseDeskUrl(connection.url)
  const lease = options.leaseSeconds ?? 180
  if (!Number.isInteger(lease) || lease < 1 || lease > 900)
    throw new AppError('invalid_input', 'A claim lasts 1 to 900 seconds.', String(lease))
  const config = clientConfig({
    address,
    user: connection.user,
    password: connection.password,
    ...(options.extraCaPem ? { extraCaPem: options.extraCaPem } : {}),
    applicationName: `rao-desk ${desk}`,
  })
  const { log } = options
  const pool = new pg.Pool({ ...config, max: 2, idleTimeoutMillis: 30_000 })
  // An idle connection that the server closes must not bring the app down: the next call reconnects.
  pool.on('error', (error) => log.warn('team database connection closed', { code: teamError(error).code }))

  let state: TeamLinkState = { online: false, problem: null, retryInMs: null }
  // The cursor names the scope it was read in: given back with another scope, it means "from the start".
  const resumed = /^(\d{1,20})@([0-9a-f]{16})$/.exec(options.cursor ?? '')
  let horizon = resumed?.[1] ?? '0'
  let horizonScope = resumed?.[2]
  /**
   * Shared cases not yet written (the latest of each), with the scope they were shared in: written when
   * the database answers again, to that scope, whatever the desk works on by then.
   */
  const unsent = new Map<string, { scope: TeamScope; item: SharedCase }>()

  const scope = () => parse(teamScopeSchema, options.scope())
  const cursor = () => (horizonScope ? `${horizon}@${horizonScope}` : '')

  async function query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []) {
    try {
      return await pool.query<R>(text, values)
    } catch (error) {
      throw teamError(error)
    }
  }

  async function readCase(where: string, values: unknown[]): Promise<TeamCase | null> {
    const { rows } = await query(`SELECT ${CASE_COLUMNS} FROM rao_team.case_view WHERE ${where}`, values)
    return rows[0] ? toTeamCase(rows[0]) : null
  }

  /**
   * An entry of this desk's local journal is written once: written again (its answer was lost), the
   * database keeps the first, and this gives it back. Another entry under the same local number is a
   * mistake, said as such.
   */
  async function writeOnce(
    insert: string,
    values: unknown[],
    local: { seq: number } | undefined,
    same: (row: { phase: string; intended_seq: string | null }) => boolean,
  ): Promise<{ seq: number; hash: string } | null> {
    let inserted: { seq: string; hash: string } | undefined
    try {
      inserted = (await pool.query<{ seq: string; hash: string }>(insert, values)).rows[0]
    } catch (error) {
      // Two writes of one entry at once: the unique index kept one, which is read below.
      if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw teamError(error)
    }
    if (inserted) return { seq: Number(inserted.seq), hash: inserted.hash }
    if (!local) return null
    const { rows } = await query<{ seq: string; hash: string; phase: string; intended_seq: string | null }>(
      `SELECT seq, hash, phase, intended_seq FROM rao_team.journal
       WHERE officer = current_user AND desk = $1 AND local_seq = $2`,
      [desk, local.seq],
    )
    const kept = rows[0]
    if (!kept) return null
    if (!same(kept))
      throw new AppError(
        'invalid_input',
        'The team journal holds another entry under this local journal number.',
        String(local.seq),
      )
    return { seq: Number(kept.seq), hash: kept.hash }
  }

  const byPk = (videoidPk: number) => {
    const { optimizer, environment } = scope()
    return readCase('optimizer = $1 AND environment = $2 AND videoid_pk = $3', [
      optimizer,
      environment,
      videoidPk,
    ])
  }

  async function writeUnsent(): Promise<number> {
    let written = 0
    const pending = [...unsent.entries()]
    for (let start = 0; start < pending.length; start += BATCH) {
      const batch = pending.slice(start, start + BATCH)
      const at = (pick: (entry: { scope: TeamScope; item: SharedCase }) => unknown) =>
        batch.map(([, entry]) => pick(entry))
      await query(
        `INSERT INTO rao_team.cases AS c (optimizer, environment, videoid_pk, request_pk, pair_verified, status)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::boolean[], $6::text[])
         ON CONFLICT (optimizer, environment, videoid_pk) DO UPDATE
           SET request_pk = excluded.request_pk, pair_verified = excluded.pair_verified, status = excluded.status`,
        [
          at((entry) => entry.scope.optimizer),
          at((entry) => entry.scope.environment),
          at((entry) => entry.item.videoidPk),
          at((entry) => entry.item.requestPk),
          at((entry) => entry.item.pairVerified),
          at((entry) => entry.item.status),
        ],
      )
      for (const [key, entry] of batch) if (unsent.get(key) === entry) unsent.delete(key)
      written += batch.length
    }
    return written
  }

  /**
   * Reads what changed since the horizon, in one snapshot, and moves the horizon to that snapshot's oldest
   * running transaction: whatever commits later, in any order, has an id at or above it.
   */
  async function pullOnce(client: pg.Client) {
    const current = scope()
    const scopeTag = createHash('sha256')
      .update(JSON.stringify([current.optimizer, current.environment]))
      .digest('hex')
      .slice(0, 16)
    // One statement, so one snapshot; a horizon ahead of the database's transactions means it was
    // restored to an earlier point, and the desk starts over. Starting over reads the cases still open
    // and those held: what a queue needs, however long the team's history.
    const { rows } = await client.query<{
      xmin: string
      full: boolean
      cases: unknown[] | null
      settings: unknown
    }>(
      `WITH snap AS (
         SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin, pg_snapshot_xmax(pg_current_snapshot()) AS xmax
       ), since AS (
         SELECT $4 OR $3::xid8 > snap.xmax AS full,
           CASE WHEN $4 OR $3::xid8 > snap.xmax THEN '0'::xid8 ELSE $3::xid8 END AS xid
         FROM snap
       )
       SELECT snap.xmin::text AS xmin, since.full,
         (SELECT json_agg(v ORDER BY v.status_since, v.videoid_pk) FROM (
            SELECT ${CASE_COLUMNS} FROM rao_team.case_view
            WHERE optimizer = $1 AND environment = $2 AND (
              (since.full AND (status NOT IN ('ENROLLREADY', 'ISSUED', 'CANCELLED') OR claimed_by IS NOT NULL))
              OR (NOT since.full AND id IN (
                SELECT id FROM rao_team.cases WHERE xid >= since.xid
                UNION SELECT case_id FROM rao_team.claims WHERE xid >= since.xid)))) v) AS cases,
         (SELECT row_to_json(s) FROM rao_team.settings s WHERE s.xid >= since.xid) AS settings
       FROM snap, since`,
      [current.optimizer, current.environment, horizon, horizonScope !== scopeTag || horizon === '0'],
    )
    const row = rows[0]
    if (!row) throw new AppError('internal', 'The team database gave no changes.')
    horizon = row.xmin
    horizonScope = scopeTag
    const cases = (row.cases ?? []) as Record<string, unknown>[]
    if (cases.length || row.settings || row.full)
      options.onChanges?.({
        cases: cases.map(toTeamCase),
        settings: row.settings ? toSettings(row.settings as Record<string, unknown>) : null,
        cursor: cursor(),
        full: row.full,
      })
  }

  // One read at a time, a few milliseconds after the first wake-up, so that a burst of changes (a busy
  // team) costs one read; wake-ups during a read make one more read after it, however many there were.
  const gatherMs = options.gatherMs ?? 200
  let pulling: Promise<void> | undefined
  let again = false
  let gathering: { timer: NodeJS.Timeout; done: () => void } | undefined
  const gather = () =>
    new Promise<void>((resolve) => {
      gathering = { timer: setTimeout(resolve, gatherMs), done: resolve }
    })
  function wake(): Promise<void> {
    if (pulling) {
      again = true
      return pulling
    }
    pulling = (async () => {
      do {
        again = false
        await gather()
        const client = link.client()
        if (!client) return
        try {
          await pullOnce(client)
        } catch (error) {
          link.fail(client, error)
          return
        }
      } while (again)
    })().finally(() => {
      pulling = undefined
    })
    return pulling
  }

  const link = createLink({
    config,
    onWake: () => void wake(),
    async onConnected(client) {
      if (unsent.size) await writeUnsent()
      await pullOnce(client)
    },
    onState(next) {
      state = next
      options.onState?.(next)
    },
    log,
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(options.pollMs ? { pollMs: options.pollMs } : {}),
  })

  return {
    /** Connects the live feed (and keeps it connected); the calls below work without it too. */
    start: () => link.start(),
    state: (): TeamLinkState => state,
    /** Where the changes read so far stop, to give back as `cursor` next time. */
    cursor,

    /**
     * Shares cases (new ones, and status read from the Optimizer): an upsert by Optimizer, environment and
     * videoid_pk, so sending the same again changes nothing. While the database cannot be reached they are
     * kept and written when it answers again.
     */
    async shareCases(cases: SharedCase[]): Promise<{ written: number; queued: number }> {
      const items = parse(shareCasesInputSchema, cases)
      const current = scope()
      for (const item of items)
        unsent.set(JSON.stringify([current.optimizer, current.environment, item.videoidPk]), {
          scope: current,
          item,
        })
      try {
        return { written: await writeUnsent(), queued: unsent.size }
      } catch (error) {
        if (error instanceof AppError && error.code === 'team_unreachable')
          return { written: 0, queued: unsent.size }
        throw error
      }
    },

    /**
     * Claims a case, or renews this desk's claim; a live claim of another officer, or of this officer's
     * other desk, is left as it is. A renewal never shortens the extension an intended entry gave it.
     */
    async claim(videoidPk: number): Promise<ClaimResult> {
      const pk = parse(teamPkSchema, videoidPk)
      const { optimizer, environment } = scope()
      const { rowCount } = await query(
        `UPDATE rao_team.claims cl SET officer = current_user, desk = $4,
           until = greatest(cl.until, now() + make_interval(secs => $5))
         FROM rao_team.cases c
         WHERE cl.case_id = c.id AND c.optimizer = $1 AND c.environment = $2 AND c.videoid_pk = $3
           AND ((cl.officer = current_user AND cl.desk = $4) OR cl.until <= now())`,
        [optimizer, environment, pk, desk, lease],
      )
      const found = await byPk(pk)
      if (!found) throw new AppError('not_found', 'The team database does not know this case.', String(pk))
      return { claimed: Boolean(rowCount), case: found }
    },

    /**
     * Ends this desk's claim on a case (leaving it, or after deciding); false when there was none, or when
     * a decision on the case still waits for its outcome (the claim then runs to its lease).
     */
    async release(videoidPk: number): Promise<boolean> {
      const pk = parse(teamPkSchema, videoidPk)
      const { optimizer, environment } = scope()
      const { rowCount } = await query(
        `UPDATE rao_team.claims cl SET until = now() FROM rao_team.cases c
         WHERE cl.case_id = c.id AND c.optimizer = $1 AND c.environment = $2 AND c.videoid_pk = $3
           AND cl.officer = current_user AND cl.desk = $4 AND cl.until > now()
           AND NOT EXISTS (SELECT 1 FROM rao_team.unsettled_on(c.id))`,
        [optimizer, environment, pk, desk],
      )
      return Boolean(rowCount)
    },

    /** The oldest unclaimed pending case, claimed for this officer in the same statement; null when none. */
    async takeNext(): Promise<TeamCase | null> {
      const { optimizer, environment } = scope()
      const { rows } = await query(`SELECT ${CASE_COLUMNS} FROM rao_team.take_next($1, $2, $3, $4)`, [
        optimizer,
        environment,
        desk,
        lease,
      ])
      return rows[0] ? toTeamCase(rows[0]) : null
    },

    /** One case as the team sees it now. */
    readCase: (videoidPk: number) => byPk(parse(teamPkSchema, videoidPk)),

    /**
     * The intended entry a decision needs before it is sent. The database accepts it only under this
     * officer's live claim (extended to cover the send) and, with four eyes on, refuses an approval by the
     * officer who validated; both in the statement that writes it.
     */
    async recordIntended(input: TeamIntendedInput): Promise<{ seq: number; hash: string }> {
      const entry = parse(teamIntendedInputSchema, input)
      const { optimizer, environment } = entry.scope
      const row = await writeOnce(
        `INSERT INTO rao_team.journal (desk, case_id, action, phase, reason, reason_language, pair_confirmed,
           resend_of, attempt, local_seq, local_mac, local_time)
         SELECT $4, id, $5, 'intended', $6, $7, $8, $9, $10, $11, $12, $13 FROM rao_team.cases
         WHERE optimizer = $1 AND environment = $2 AND videoid_pk = $3
           AND NOT EXISTS (SELECT 1 FROM rao_team.journal
             WHERE officer = current_user AND desk = $4 AND local_seq = $11)
         RETURNING seq, hash`,
        [
          optimizer,
          environment,
          entry.videoidPk,
          desk,
          entry.action,
          entry.reason ?? null,
          entry.language ?? null,
          entry.pairConfirmed ?? null,
          entry.resendOf ?? null,
          entry.attempt ?? null,
          entry.local?.seq ?? null,
          entry.local?.mac ?? null,
          entry.local?.time ?? null,
        ],
        entry.local,
        (kept) => kept.phase === 'intended',
      )
      if (!row)
        throw new AppError('not_found', 'The team database does not know this case.', String(entry.videoidPk))
      return row
    },

    /** The team journal's number for this desk's intended entry (by its local number); null when it is not there. */
    async intendedSeqOf(localSeq: number): Promise<number | null> {
      const seq = parse(teamPkSchema, localSeq)
      const { rows } = await query<{ seq: string }>(
        `SELECT seq FROM rao_team.journal
         WHERE officer = current_user AND desk = $1 AND local_seq = $2 AND phase = 'intended'`,
        [desk, seq],
      )
      return rows[0] ? Number(rows[0].seq) : null
    },

    /** What became of an intended entry; `done` moves the case on and releases the claim. */
    async recordOutcome(input: TeamOutcomeInput): Promise<{ seq: number; hash: string }> {
      const entry = parse(teamOutcomeInputSchema, input)
      const row = await writeOnce(
        `INSERT INTO rao_team.journal (desk, case_id, action, phase, intended_seq, error_code, status_read, attempt,
           local_seq, local_mac, local_time)
         SELECT $1, case_id, action, $2, seq, $3, $4, $5, $6, $7, $8 FROM rao_team.journal WHERE seq = $9
           AND NOT EXISTS (SELECT 1 FROM rao_team.journal
             WHERE officer = current_user AND desk = $1 AND local_seq = $6)
         RETURNING seq, hash`,
        [
          desk,
          entry.phase,
          entry.errorCode ?? null,
          entry.status ?? null,
          entry.attempt ?? null,
          entry.local?.seq ?? null,
          entry.local?.mac ?? null,
          entry.local?.time ?? null,
          entry.intendedSeq,
        ],
        entry.local,
        (kept) => kept.phase === entry.phase && Number(kept.intended_seq) === entry.intendedSeq,
      )
      if (!row)
        throw new AppError(
          'not_found',
          'No such intended entry in the team journal.',
          String(entry.intendedSeq),
        )
      return row
    },

    /** The team's journal in order, a page at a time. */
    async readJournal(input: { afterSeq?: number; limit?: number } = {}): Promise<TeamJournalEntry[]> {
      const { afterSeq, limit } = parse(readJournalInputSchema, input)
      const { rows } = await query(
        `SELECT j.*, c.optimizer, c.environment FROM rao_team.journal j JOIN rao_team.cases c ON c.id = j.case_id
         WHERE j.seq > $1 ORDER BY j.seq LIMIT $2`,
        [afterSeq, limit],
      )
      return rows.map(toJournalEntry)
    },

    /** The journal's chain, recomputed by the database: whole, or the first entry that does not match. */
    async checkJournal(): Promise<JournalCheck> {
      const { rows } = await query<{ seq: string; problem: string }>(
        'SELECT seq, problem FROM rao_team.journal_check ORDER BY seq LIMIT 1',
      )
      const broken = rows[0]
      if (broken) return { ok: false, brokenAt: Number(broken.seq), problem: broken.problem }
      const count = await query<{ n: string }>('SELECT count(*) AS n FROM rao_team.journal')
      return { ok: true, entries: Number(count.rows[0]?.n ?? 0) }
    },

    /** Who this desk is in the team database: its role, and whether it may change the team settings. */
    async identity(): Promise<{ role: string; admin: boolean }> {
      const { rows } = await query<{ role: string; admin: boolean }>(
        `SELECT session_user AS role,
           CASE WHEN to_regrole('rao_team_admin') IS NULL THEN false
             ELSE pg_has_role(session_user, 'rao_team_admin', 'MEMBER') END AS admin`,
      )
      return { role: rows[0]?.role ?? connection.user, admin: rows[0]?.admin === true }
    },

    async settings(): Promise<TeamSettings> {
      const { rows } = await query('SELECT * FROM rao_team.settings')
      if (!rows[0]) throw new AppError('team_schema_old', 'The team settings are missing.')
      return toSettings(rows[0])
    },

    /** Two-step mode and four eyes for the whole team: the database lets only the admin role change them. */
    async changeSettings(change: TeamSettingsChange): Promise<TeamSettings> {
      const { twoStepMode, fourEyes } = parse(teamSettingsChangeSchema, change)
      const { rows } = await query(
        `UPDATE rao_team.settings SET two_step = coalesce($1, two_step), four_eyes = coalesce($2, four_eyes)
         RETURNING *`,
        [twoStepMode ?? null, fourEyes ?? null],
      )
      if (!rows[0]) throw new AppError('team_forbidden', 'The team settings cannot be changed by this role.')
      return toSettings(rows[0])
    },

    /** Ends the live feed and every connection; claims are left to expire (or released by the caller first). */
    async close() {
      await link.close()
      // A read waiting to gather changes ends now: there is no connection left to read on.
      if (gathering) {
        clearTimeout(gathering.timer)
        gathering.done()
      }
      await pulling
      await pool.end().catch(() => undefined)
    },
  }
}

export type TeamStore = ReturnType<typeof createTeamStore>
