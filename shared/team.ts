import { z } from 'zod'
import { type DecisionAction, type DecisionPhase, decisionActions, decisionPhases } from './decisions'
import { type AppErrorShape, appErrorSchema } from './errors'
import { environmentSchema } from './settings'

/**
 * Team mode: what the officers of one RA share in a PostgreSQL database (cases, claims, the decision
 * journal, team settings), never a signer's personal data. Values here are plain JSON, ready for the
 * IPC contract.
 */

/** A database role name as RAO Desk creates them: lower case, so that no quoting changes its meaning. */
export const roleNameSchema = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'role_invalid' })
  .refine((name) => !name.startsWith('pg_') && !name.startsWith('rao_team_'), { message: 'role_reserved' })

/** Where the team database is and who this officer is there; the password comes from the keychain. */
export const teamConnectionSchema = z.strictObject({
  /** `postgres://host[:port]/database`, with `?sslmode=verify-full` or (loopback only) `?sslmode=disable`. */
  url: z.string().min(1).max(2000),
  user: roleNameSchema,
  password: z.string().min(1).max(1024),
})
export type TeamConnection = z.infer<typeof teamConnectionSchema>

/** This installation's id, written beside every claim and journal entry. */
export const deskIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { message: 'desk_invalid' })

export const teamPkSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER)

/** Which Optimizer and environment the desk works on: the team's cases are kept apart by both. */
export const teamScopeSchema = z.strictObject({
  optimizer: z.string().min(1).max(2000),
  environment: environmentSchema,
})
export type TeamScope = z.infer<typeof teamScopeSchema>

const statusSchema = z.string().regex(/^[A-Z_]{1,40}$/)

/** A case as a desk shares it: pks and status only. */
export const sharedCaseSchema = z.strictObject({
  videoidPk: teamPkSchema,
  requestPk: teamPkSchema,
  status: statusSchema,
  /** The Optimizer confirmed that this request_pk belongs to this videoid_pk. */
  pairVerified: z.boolean(),
})
export type SharedCase = z.infer<typeof sharedCaseSchema>
export const shareCasesInputSchema = z.array(sharedCaseSchema).max(50_000)

/** Who holds a case, by the database's clock. */
export interface TeamClaim {
  officer: string
  desk: string
  since: string
  /** Milliseconds left when the database answered; the desk counts down on its own monotonic clock. */
  expiresInMs: number
}

/** A claim is this desk's own only when both its officer and its desk are: claims are kept by desk. */
export const isOwnClaim = (
  claim: Pick<TeamClaim, 'officer' | 'desk'> | null | undefined,
  here: { officer: string | undefined; desk: string },
): boolean => Boolean(claim && claim.officer === here.officer && claim.desk === here.desk)

/** A case as every desk sees it. */
export interface TeamCase {
  videoidPk: number
  requestPk: number
  pairVerified: boolean
  status: string
  statusSince: string
  addedBy: string
  addedAt: string
  /** The live claim, or null when no one holds the case. */
  claim: TeamClaim | null
  /** The officer whose validation of this case took effect, for four eyes. */
  validatedBy: string | null
}

export interface TeamSettings {
  twoStepMode: boolean
  fourEyes: boolean
  changedBy: string
  changedAt: string
}
export const teamSettingsChangeSchema = z
  .strictObject({ twoStepMode: z.boolean().optional(), fourEyes: z.boolean().optional() })
  .refine((change) => change.twoStepMode !== undefined || change.fourEyes !== undefined, {
    message: 'nothing_to_change',
  })
export type TeamSettingsChange = z.infer<typeof teamSettingsChangeSchema>

/** What the local journal entry that a team entry mirrors brings along. */
const localEntrySchema = z.strictObject({
  seq: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  mac: z.string().regex(/^[A-Za-z0-9+/=_-]{1,128}$/),
  time: z.iso.datetime({ offset: true }),
})

/** The intended entry a decision needs before it is sent: accepted only under a live claim. */
export const teamIntendedInputSchema = z.strictObject({
  /** The Optimizer and environment the decision was made in, whatever the desk shows by the time it is written. */
  scope: teamScopeSchema,
  videoidPk: teamPkSchema,
  action: z.enum(decisionActions),
  /** The exact text a refusal sends, and its language. */
  reason: z.string().max(4000).optional(),
  language: z.enum(['es', 'en']).optional(),
  /** The officer confirmed the person and document of a pair added without a check. */
  pairConfirmed: z.boolean().optional(),
  /** A new attempt sent after an earlier one (its local seq) whose fate no answer confirmed. */
  resendOf: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  /** The local attempt number (the local intended entry's seq). */
  attempt: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  local: localEntrySchema.optional(),
})
export type TeamIntendedInput = z.infer<typeof teamIntendedInputSchema>

/** What became of an intended entry (by the team journal's seq). */
export const teamOutcomeInputSchema = z.strictObject({
  intendedSeq: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  phase: z.enum(decisionPhases).exclude(['intended']),
  errorCode: z.string().max(64).optional(),
  /** The request's status as re-read, for settled outcomes. */
  status: statusSchema.optional(),
  attempt: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  local: localEntrySchema.optional(),
})
export type TeamOutcomeInput = z.infer<typeof teamOutcomeInputSchema>

/** One row of the team's decision journal. */
export interface TeamJournalEntry {
  seq: number
  time: string
  officer: string
  desk: string
  optimizer: string
  environment: string
  videoidPk: number
  requestPk: number
  action: DecisionAction
  phase: DecisionPhase
  intendedSeq: number | null
  attempt: number | null
  reason: string | null
  language: string | null
  pairConfirmed: boolean | null
  resendOf: number | null
  errorCode: string | null
  status: string | null
  /** The claim an intended entry was accepted under. */
  claimSince: string | null
  claimUntil: string | null
  local: { seq: number; mac: string; time: string } | null
  prevHash: string
  hash: string
}

export const readJournalInputSchema = z.strictObject({
  afterSeq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).default(0),
  limit: z.number().int().positive().max(1000).default(200),
})

export type JournalCheck = { ok: true; entries: number } | { ok: false; brokenAt: number; problem: string }

/** What a connection check tells the officer. */
export interface TeamConnectionInfo {
  serverVersion: string
  schemaVersion: number
  /** The schema this version of RAO Desk expects. */
  appSchemaVersion: number
  role: string
  officer: boolean
  admin: boolean
  tls: boolean
}

/** The live link's state: `online` once connected, listening and caught up; otherwise why, and when it tries again. */
export type TeamLinkState =
  | { online: true }
  | { online: false; problem: AppErrorShape | null; retryInMs: number | null }

/** A request's stages in order, as the team database ranks them: a later stage never goes back. */
export function statusRank(status: string): number {
  const ranks: Record<string, number> = {
    UNKNOWN: 0,
    VIDEOPENDING: 1,
    CREATED: 3,
    ENROLLREADY: 4,
    ISSUED: 5,
    CANCELLED: 6,
  }
  return ranks[status] ?? 2
}

// What crosses to the renderer: checked by the IPC contract like every answer and event.

export const teamSettingsSchema = z.object({
  twoStepMode: z.boolean(),
  fourEyes: z.boolean(),
  changedBy: z.string(),
  changedAt: z.string(),
}) satisfies z.ZodType<TeamSettings>

export const teamLinkStateSchema = z.union([
  z.object({ online: z.literal(true) }),
  z.object({
    online: z.literal(false),
    problem: appErrorSchema.nullable(),
    retryInMs: z.number().nullable(),
  }),
]) satisfies z.ZodType<TeamLinkState>

/** A case as the queue and the case page show it in team mode: who holds it, and who validated it. */
export const teamCaseViewSchema = z.object({
  videoidPk: z.number().int().positive(),
  status: z.string(),
  /** The live claim by the database's clock, or null; `since` is when its holder took it. */
  claim: z.object({ officer: z.string(), desk: z.string(), since: z.string() }).nullable(),
  validatedBy: z.string().nullable(),
})
export type TeamCaseView = z.infer<typeof teamCaseViewSchema>

/** Team mode as the settings screen and the work screens see it; never the password. */
export const teamStatusSchema = z.object({
  enabled: z.boolean(),
  /** The database's address and this officer's database user; empty until set. */
  url: z.string(),
  user: z.string(),
  /** The keychain holds a password for this address and user. */
  passwordSaved: z.boolean(),
  /** This installation's id, written beside its claims and journal entries. */
  desk: z.string(),
  /** The live link; null while team mode is off. */
  link: teamLinkStateSchema.nullable(),
  /** The team's two-step mode and four eyes, once read: they replace this desk's own. */
  settings: teamSettingsSchema.nullable(),
  /** This database user may change the team settings. */
  admin: z.boolean(),
})
export type TeamStatus = z.infer<typeof teamStatusSchema>

export const teamStateSchema = z.object({ status: teamStatusSchema, cases: z.array(teamCaseViewSchema) })
export type TeamState = z.infer<typeof teamStateSchema>

/** Team mode on or off, where and as whom; a password goes straight to the keychain. */
export const teamSetupSchema = z.strictObject({
  enabled: z.boolean(),
  url: z.string().trim().max(2000),
  user: z.union([z.literal(''), roleNameSchema]),
  password: z.string().min(1).max(1024).optional(),
})
export type TeamSetup = z.infer<typeof teamSetupSchema>

/** A connection check of an address and user; without a password, the one saved for them. */
export const teamCheckSchema = z.strictObject({
  url: z.string().trim().min(1).max(2000),
  user: roleNameSchema,
  password: z.string().min(1).max(1024).optional(),
})

export const teamConnectionInfoSchema = z.object({
  serverVersion: z.string(),
  schemaVersion: z.number().int(),
  appSchemaVersion: z.number().int(),
  role: z.string(),
  officer: z.boolean(),
  admin: z.boolean(),
  tls: z.boolean(),
}) satisfies z.ZodType<TeamConnectionInfo>

/** What the live feed pushes: cases whose claim, status or validation changed; `full` replaces all. */
export const teamCasesChangedSchema = z.object({ cases: z.array(teamCaseViewSchema), full: z.boolean() })
