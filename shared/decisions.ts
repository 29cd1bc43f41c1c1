import { z } from 'zod'
import { caseSchema, pkSchema } from './cases'

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

/** The officer's decision on a case; checked in main before anything is sent. */
export const decisionInputSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('approve'), videoidPk: pkSchema, checklist: checklistSchema }),
  z.strictObject({ action: z.literal('validate'), videoidPk: pkSchema, checklist: checklistSchema }),
  z.strictObject({
    action: z.literal('refuse'),
    videoidPk: pkSchema,
    checklist: checklistSchema,
    reason: reasonSchema,
  }),
  z.strictObject({ action: z.literal('cancel'), videoidPk: pkSchema }),
])
export type DecisionInput = z.infer<typeof decisionInputSchema>
export type DecisionAction = DecisionInput['action']

export const decisionResultSchema = z.object({ case: caseSchema })

/** A reason being typed, kept with the case so that it survives a restart. */
export const reasonDraftInputSchema = z.strictObject({
  videoidPk: pkSchema,
  draft: z.strictObject({ code: z.enum(refusalReasons).optional(), text: z.string().max(2000) }),
})

/** One line of the decision journal: an attempt, or what became of it. */
export const journalEntrySchema = z.object({
  seq: z.number().int().positive(),
  time: z.string(),
  officer: z.string(),
  videoidPk: z.number().int().positive(),
  requestPk: z.number().int().positive(),
  action: z.enum(['approve', 'validate', 'refuse', 'cancel']),
  /** `intended` before sending; the rest once the answer (or the re-read status) tells. */
  phase: z.enum(['intended', 'done', 'refused', 'not_sent', 'unknown', 'settled_done', 'settled_not_done']),
  /** The sequence number of the attempt an outcome belongs to. */
  attempt: z.number().int().positive().optional(),
  reason: z.string().optional(),
  checklist: checklistSchema.optional(),
  errorCode: z.string().optional(),
  /** The request's status as re-read, for settled outcomes. */
  status: z.string().optional(),
  prevHash: z.string(),
  hash: z.string(),
})
export type JournalEntry = z.infer<typeof journalEntrySchema>

export const journalStateSchema = z.object({
  entries: z.array(journalEntrySchema),
  /** The chain as checked: whole, or the first entry that does not match the one before it. */
  chain: z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true) }),
    z.object({ ok: z.literal(false), brokenAt: z.number().int().positive(), problem: z.string() }),
  ]),
})
export type JournalState = z.infer<typeof journalStateSchema>
