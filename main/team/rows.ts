import type { DecisionAction, DecisionPhase } from '../../shared/decisions'
import type { TeamCase, TeamJournalEntry, TeamSettings } from '../../shared/team'

/**
 * Rows come as node-postgres gives them (bigint as a string, timestamptz as a Date) or as the database's
 * JSON (numbers, timestamps as text with an offset); the app's values are plain JSON either way.
 */
const num = (value: unknown) => Number(value)
const numOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value))
const iso = (value: unknown) => (value instanceof Date ? value : new Date(String(value))).toISOString()
const isoOrNull = (value: unknown) => (value === null || value === undefined ? null : iso(value))
const textOrNull = (value: unknown) => (value === null || value === undefined ? null : String(value))

/** The columns of `rao_team.case_view`, in the order the store selects them. */
export const CASE_COLUMNS = `videoid_pk, request_pk, pair_verified, status, status_since, added_by, added_at,
  claimed_by, claim_desk, claim_since, claim_left_ms, validated_by`

export function toTeamCase(row: Record<string, unknown>): TeamCase {
  return {
    videoidPk: num(row.videoid_pk),
    requestPk: num(row.request_pk),
    pairVerified: row.pair_verified === true,
    status: String(row.status),
    statusSince: iso(row.status_since),
    addedBy: String(row.added_by),
    addedAt: iso(row.added_at),
    claim:
      row.claimed_by === null || row.claimed_by === undefined
        ? null
        : {
            officer: String(row.claimed_by),
            desk: String(row.claim_desk),
            since: iso(row.claim_since),
            expiresInMs: num(row.claim_left_ms),
          },
    validatedBy: textOrNull(row.validated_by),
  }
}

export function toSettings(row: Record<string, unknown>): TeamSettings {
  return {
    twoStepMode: row.two_step === true,
    fourEyes: row.four_eyes === true,
    changedBy: String(row.changed_by),
    changedAt: iso(row.changed_at),
  }
}

export function toJournalEntry(row: Record<string, unknown>): TeamJournalEntry {
  return {
    seq: num(row.seq),
    time: iso(row.at),
    officer: String(row.officer),
    desk: String(row.desk),
    optimizer: String(row.optimizer),
    environment: String(row.environment),
    videoidPk: num(row.videoid_pk),
    requestPk: num(row.request_pk),
    action: row.action as DecisionAction,
    phase: row.phase as DecisionPhase,
    intendedSeq: numOrNull(row.intended_seq),
    attempt: numOrNull(row.attempt),
    reason: textOrNull(row.reason),
    language: textOrNull(row.reason_language),
    pairConfirmed: typeof row.pair_confirmed === 'boolean' ? row.pair_confirmed : null,
    resendOf: numOrNull(row.resend_of),
    errorCode: textOrNull(row.error_code),
    status: textOrNull(row.status_read),
    claimSince: isoOrNull(row.claim_since),
    claimUntil: isoOrNull(row.claim_until),
    // An officer writing by hand may leave any of the three out: all three, or none.
    local:
      row.local_seq == null || row.local_mac == null || row.local_time == null
        ? null
        : { seq: num(row.local_seq), mac: String(row.local_mac), time: iso(row.local_time) },
    prevHash: String(row.prev_hash),
    hash: String(row.hash),
  }
}
