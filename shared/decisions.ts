import { z } from 'zod'
import { caseSchema, pkSchema } from './cases'
import { appErrorSchema } from './errors'
import { environmentSchema } from './settings'

/** Why a Video ID is refused: the catalogue the officer picks from, plus their own words. */
export const refusalReasons = [
  'document_not_legible',
  'face_mismatch',
  'liveness_not_shown',
  'prerecorded_or_manipulated',
  'document_falsified',
  'document_expired',
  'data_mismatch',
  'video_incomplete',
  'suspected_fraud',
  'other',
] as const
export type RefusalReason = (typeof refusalReasons)[number]

/**
 * What the operator checks before approving, after Spain's Orden ETD/465/2021 (unattended video
 * identification reviewed later by an operator) and BaFin's circular 3/2017.
 */
export const checklistItems = [
  'face_matches',
  'person_live',
  'document_genuine',
  'document_in_force',
  'document_not_copy',
  'data_matches',
] as const
export type ChecklistItem = (typeof checklistItems)[number]

/** Optical security features of different kinds; a genuine document shows at least three. */
export const securityFeatures = [
  'optically_variable',
  'personalisation',
  'material',
  'security_print',
] as const
export const MIN_SECURITY_FEATURES = 3

export const checklistSchema = z.strictObject({
  checked: z.array(z.enum(checklistItems)).max(checklistItems.length),
  securityFeatures: z.array(z.enum(securityFeatures)).max(securityFeatures.length),
  /** Snapshots (by id) the officer attached to an item. */
  snapshots: z.partialRecord(z.enum(checklistItems), z.array(z.string().max(64)).max(20)),
})
export type Checklist = z.infer<typeof checklistSchema>

/** Every item ticked, and enough kinds of security feature seen: what approving and validating require. */
export const isChecklistComplete = (checklist: Checklist) =>
  checklistItems.every((item) => checklist.checked.includes(item)) &&
  new Set(checklist.securityFeatures).size >= MIN_SECURITY_FEATURES

export const reasonSchema = z.strictObject({
  code: z.enum(refusalReasons),
  text: z.string().max(2000),
})

/** The languages a refusal's reason can be sent in. */
export const reasonLanguages = ['es', 'en'] as const
export type ReasonLanguage = (typeof reasonLanguages)[number]

/**
 * The words a refusal carries to the Optimizer for each reason of the catalogue, in each language the
 * officer can send them in. Shared, so the confirmation shows exactly what main sends.
 */
export const REASON_TEXT: Readonly<Record<ReasonLanguage, Readonly<Record<RefusalReason, string>>>> = {
  en: {
    document_not_legible: 'The identity document is not legible',
    face_mismatch: 'The face does not match the document photo',
    liveness_not_shown: 'Liveness was not shown',
    prerecorded_or_manipulated: 'The video looks pre-recorded or manipulated',
    document_falsified: 'The document shows signs of falsification',
    document_expired: 'The document has expired',
    data_mismatch: 'The data does not match the request',
    video_incomplete: 'The video is incomplete or corrupt',
    suspected_fraud: 'Suspected fraud',
    other: 'Other',
  },
  es: {
    document_not_legible: 'El documento de identidad no es legible',
    face_mismatch: 'La cara no coincide con la foto del documento',
    liveness_not_shown: 'No se ha demostrado la prueba de vida',
    prerecorded_or_manipulated: 'El vídeo parece pregrabado o manipulado',
    document_falsified: 'El documento muestra indicios de falsificación',
    document_expired: 'El documento está caducado',
    data_mismatch: 'Los datos no coinciden con la solicitud',
    video_incomplete: 'El vídeo está incompleto o dañado',
    suspected_fraud: 'Sospecha de fraude',
    other: 'Otro',
  },
}

/** The reason sent: the catalogue's words in the chosen language, then the officer's own. Never blank. */
export function reasonText(reason: { code: RefusalReason; text: string }, language: ReasonLanguage): string {
  const own = reason.text.trim()
  const words = REASON_TEXT[language][reason.code]
  return own ? `${words}: ${own}` : words
}

/** The statuses that show a decision took effect (a later step counts: the request moved on from it). */
export const TOOK_EFFECT: Readonly<Record<DecisionAction, readonly string[]>> = {
  approve: ['ENROLLREADY', 'ISSUED'],
  validate: ['CREATED', 'ENROLLREADY', 'ISSUED'],
  refuse: ['CANCELLED'],
  cancel: ['CANCELLED'],
}

/** The statuses in which a decision can be taken: the state before it. */
export const ALLOWED_FROM: Readonly<Record<DecisionAction, readonly string[]>> = {
  approve: ['VIDEOREVIEW', 'CREATED'],
  validate: ['VIDEOREVIEW'],
  refuse: ['VIDEOREVIEW', 'CREATED'],
  cancel: ['VIDEOPENDING', 'VIDEOREVIEW', 'VIDEOINCOMPLETE', 'VIDEOERROR', 'CREATED', 'ENROLLREADY'],
}

/** What every decision carries beside its action: the case, and the officer's confirmations. */
const decisionCommon = {
  videoidPk: pkSchema,
  /** The officer confirmed that the video shows this person and document (a pair added without a check). */
  pairConfirmed: z.literal(true).optional(),
  /** The officer confirmed sending again a decision whose first attempt was never answered. */
  resendConfirmed: z.literal(true).optional(),
}

/** The officer's decision on a case; checked in main before anything is sent. */
export const decisionInputSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('approve'), ...decisionCommon, checklist: checklistSchema }),
  z.strictObject({ action: z.literal('validate'), ...decisionCommon, checklist: checklistSchema }),
  z.strictObject({
    action: z.literal('refuse'),
    ...decisionCommon,
    checklist: checklistSchema,
    reason: reasonSchema,
    language: z.enum(reasonLanguages),
  }),
  z.strictObject({ action: z.literal('cancel'), ...decisionCommon }),
])
export type DecisionInput = z.infer<typeof decisionInputSchema>
export type DecisionAction = DecisionInput['action']
/** Every action an officer can take on a case: the journals (this desk's and the team's) name these. */
export const decisionActions = [
  'approve',
  'validate',
  'refuse',
  'cancel',
] as const satisfies readonly DecisionAction[]

export const decisionResultSchema = z.object({ case: caseSchema })

/** A reason being typed, kept with the case so that it survives a restart. */
export const reasonDraftInputSchema = z.strictObject({
  videoidPk: pkSchema,
  draft: z.strictObject({ code: z.enum(refusalReasons).optional(), text: z.string().max(2000) }),
})

export const decisionPhases = [
  'intended',
  'done',
  'refused',
  'not_sent',
  'unknown',
  'settled_done',
  'settled_not_done',
] as const

/** What a decision's outcome entry may say; `intended` comes first, before anything is sent. */
export type DecisionPhase = (typeof decisionPhases)[number]

/**
 * What every journal line carries: its number, its time, the officer, and its place in the chain. Lines
 * written before the chain was keyed carry `prevHash` and `hash` (plain SHA-256); since then, `prev` and
 * `mac` (HMAC-SHA-256 with a key kept in the OS keychain).
 */
const entryCommon = {
  seq: z.number().int().positive(),
  time: z.string(),
  officer: z.string(),
  prevHash: z.string().optional(),
  hash: z.string().optional(),
  prev: z.string().optional(),
  mac: z.string().optional(),
}

/** A decision's attempt (`intended`) or what became of it. */
/** The Optimizer and environment an entry's case belongs to (absent on entries written before they were kept). */
const scopeFields = {
  optimizer: z.string().optional(),
  environment: environmentSchema.optional(),
}

export const decisionEntrySchema = z.object({
  ...entryCommon,
  type: z.literal('decision'),
  ...scopeFields,
  videoidPk: z.number().int().positive(),
  requestPk: z.number().int().positive(),
  action: z.enum(decisionActions),
  phase: z.enum(decisionPhases),
  /** The sequence number of the attempt an outcome belongs to. */
  attempt: z.number().int().positive().optional(),
  /** The exact text a refusal sent, and its language. */
  reason: z.string().optional(),
  language: z.enum(reasonLanguages).optional(),
  checklist: checklistSchema.optional(),
  /** The officer confirmed the person and document of a pair added without a check. */
  pairConfirmed: z.boolean().optional(),
  /** A new attempt sent after an earlier one (this seq) whose fate no answer confirmed. */
  resendOf: z.number().int().positive().optional(),
  /** Made in team mode: the attempt's intended entry goes to the team journal before anything is sent. */
  team: z.boolean().optional(),
  /** The settle window in force when the attempt was made, should its answer be lost. */
  settleWindowMs: z.number().int().positive().optional(),
  errorCode: z.string().optional(),
  /** The request's status as re-read, for settled outcomes. */
  status: z.string().optional(),
})
export type DecisionEntry = z.infer<typeof decisionEntrySchema>

/** A change to a setting that weakens or strengthens a control (four eyes, the settle window, …). */
export const settingEntrySchema = z.object({
  ...entryCommon,
  type: z.literal('setting'),
  setting: z.string(),
  from: z.union([z.string(), z.number(), z.boolean()]),
  to: z.union([z.string(), z.number(), z.boolean()]),
})

/**
 * A Video ID created on the Optimizer, written ahead like a decision: `intended` before `POST /videoid`,
 * then `created` with the pks it answered (so a case book that could not be written loses nothing),
 * `failed` when it said no, or `unknown` when its answer was lost.
 */
export const creationEntrySchema = z.object({
  ...entryCommon,
  type: z.literal('creation'),
  ...scopeFields,
  phase: z.enum(['intended', 'created', 'failed', 'unknown']),
  attempt: z.number().int().positive().optional(),
  videoidPk: z.number().int().positive().optional(),
  requestPk: z.number().int().positive().optional(),
  errorCode: z.string().optional(),
})

/** What an upload sent, for an auditor: how the capture was made, never the signer's data or images. */
const uploadSentSchema = z.object({
  /** Evidences: when the signer accepted, the checks ticked, and each image's SHA-256, source and time. */
  acceptedAt: z.string().optional(),
  securityChecks: z.record(z.string(), z.boolean()).optional(),
  similarityLevel: z.number().int().optional(),
  images: z
    .record(z.string(), z.object({ sha256: z.string(), source: z.string(), takenAt: z.string() }))
    .optional(),
  /** Video: its container and codecs, size, SHA-256, source, length, how it ended and the prompts' times. */
  type: z.string().optional(),
  codecs: z.string().optional(),
  bytes: z.number().int().optional(),
  sha256: z.string().optional(),
  source: z.string().optional(),
  startedAt: z.string().optional(),
  durationMs: z.number().int().optional(),
  ended: z.string().optional(),
  prompts: z.array(z.object({ prompt: z.string(), atMs: z.number().int() })).optional(),
})

/**
 * A capture's upload (external mode), written ahead like a decision, part by part: `intended` before the
 * evidences or the video is sent, with what it carries, then what became of it. The capture's files are
 * deleted once uploaded: this is the desk's lasting record of what was done, when and by whom.
 */
export const uploadEntrySchema = z.object({
  ...entryCommon,
  type: z.literal('upload'),
  ...scopeFields,
  videoidPk: z.number().int().positive(),
  requestPk: z.number().int().positive(),
  part: z.enum(['evidences', 'video']),
  phase: z.enum(decisionPhases),
  attempt: z.number().int().positive().optional(),
  /** A new attempt sent after an earlier one (this seq) whose fate no answer confirmed. */
  resendOf: z.number().int().positive().optional(),
  /** The settle window in force when the part was sent, should its answer be lost. */
  settleWindowMs: z.number().int().positive().optional(),
  sent: uploadSentSchema.optional(),
  errorCode: z.string().optional(),
  status: z.string().optional(),
})
export type UploadEntry = z.infer<typeof uploadEntrySchema>

/** The desk locked or unlocked, or a wrong PIN given at the lock screen. */
export const lockEntrySchema = z.object({
  ...entryCommon,
  type: z.literal('lock'),
  event: z.enum(['locked', 'unlocked', 'unlock_failed']),
  cause: z.string().optional(),
})

/**
 * The chain itself: keyed from here on (the plain chain before it checked and carried over), keyed anew (its
 * key was lost from the keychain), or the problems a check at start found, recorded.
 */
export const chainEntrySchema = z.object({
  ...entryCommon,
  type: z.literal('chain'),
  event: z.enum(['keyed', 'rekeyed', 'problems_found']),
  detail: z.string(),
})

/** One line of the journal. (Lines written before entries had types were all decisions: read as such.) */
export const journalEntrySchema = z.discriminatedUnion('type', [
  decisionEntrySchema,
  settingEntrySchema,
  creationEntrySchema,
  uploadEntrySchema,
  lockEntrySchema,
  chainEntrySchema,
])
export type JournalEntry = z.infer<typeof journalEntrySchema>
export type JournalEntryType = JournalEntry['type']

/** What the check of the journal at start found wrong, in words the renderer puts in the officer's language. */
export const journalProblemSchema = z.discriminatedUnion('kind', [
  /** An entry's MAC (or hash) does not match its content: it was edited. */
  z.object({ kind: z.literal('entry_changed'), seq: z.number().int() }),
  /** An entry does not follow the one before it: entries before it were removed, added or reordered. */
  z.object({ kind: z.literal('entry_out_of_place'), seq: z.number().int() }),
  z.object({ kind: z.literal('line_unreadable'), line: z.number().int() }),
  /** The journal ends before the last entry written: cut off, or an older copy put back. */
  z.object({ kind: z.literal('cut_off'), lastSeq: z.number().int(), headSeq: z.number().int() }),
  /** The entry the keychain's head names differs: the journal was replaced by another copy. */
  z.object({ kind: z.literal('replaced'), seq: z.number().int() }),
  /** Keyed entries, but no head in the keychain: a cut-off end could not be seen. */
  z.object({ kind: z.literal('head_missing') }),
  /** Keyed entries, but no key in the keychain: they cannot be checked. */
  z.object({ kind: z.literal('key_missing') }),
])
export type JournalProblem = z.infer<typeof journalProblemSchema>

export const journalIntegritySchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('verified') }),
  z.object({ state: z.literal('problems'), problems: z.array(journalProblemSchema) }),
  /** The keychain could not be read (locked, say): the entries are shown, not yet checked. */
  z.object({ state: z.literal('unchecked'), problem: appErrorSchema }),
])
export type JournalIntegrity = z.infer<typeof journalIntegritySchema>

export const journalStateSchema = z.object({
  entries: z.array(journalEntrySchema),
  integrity: journalIntegritySchema,
})
export type JournalState = z.infer<typeof journalStateSchema>

/** Where a case's decisions stand, as the journal tells it: what the review panel allows and shows. */
export const caseDecisionsSchema = z.object({
  videoidPk: z.number().int().positive(),
  /** A decision whose answer was lost and that no status has settled yet: nothing can be sent meanwhile. */
  unknown: z
    .object({
      attempt: z.number().int().positive(),
      action: decisionEntrySchema.shape.action,
      /** The settle window runs from the lost answer (or the attempt, after a killed app) to this time. */
      windowEndsAt: z.string(),
      /** When main reads the request's status again. */
      nextCheckAt: z.string(),
    })
    .optional(),
  /** The last attempt was never answered and did not take effect: a new one needs a second confirmation. */
  unconfirmed: z
    .object({ attempt: z.number().int().positive(), action: decisionEntrySchema.shape.action })
    .optional(),
  /** The decisions that took effect (a validation, then an approval), oldest first, as the journal records them. */
  records: z.array(
    z.object({
      attempt: z.number().int().positive(),
      outcomeSeq: z.number().int().positive(),
      action: decisionEntrySchema.shape.action,
      officer: z.string(),
      /** When the answer (or the status read that settled it) came. */
      at: z.string(),
      settledByStatus: z.boolean(),
      reason: z.string().optional(),
      language: z.enum(reasonLanguages).optional(),
      checklist: checklistSchema.optional(),
      pairConfirmed: z.boolean().optional(),
    }),
  ),
})
export type CaseDecisions = z.infer<typeof caseDecisionsSchema>
