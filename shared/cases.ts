import { z } from 'zod'
import { digits } from './digits'
import { appErrorSchema } from './errors'

/** A pk the Optimizer issues: a positive whole number. */
export const pkSchema = z.coerce
  .number({ message: 'pk_invalid' })
  .int({ message: 'pk_invalid' })
  .positive({ message: 'pk_invalid' })
  .max(Number.MAX_SAFE_INTEGER, { message: 'pk_invalid' })

/** States in which nothing more will happen to a request: sync stops reading them. */
const FINAL_STATUSES: readonly string[] = ['ENROLLREADY', 'ISSUED', 'CANCELLED']
export const isFinalStatus = (status: string) => FINAL_STATUSES.includes(status)

/** The states the queue names; the API has more, which the queue shows as they come. */
export const KNOWN_STATUSES = [
  'VIDEOREVIEW',
  'CREATED',
  'VIDEOPENDING',
  'VIDEOINCOMPLETE',
  'VIDEOERROR',
  'ENROLLREADY',
  'ISSUED',
  'CANCELLED',
] as const

/** Waiting for this workstation: review (approve, or validate in two-step mode), or approval after validation. */
export function pendingStep(status: string, twoStepMode: boolean): 'approve' | 'validate' | null {
  if (status === 'VIDEOREVIEW') return twoStepMode ? 'validate' : 'approve'
  if (status === 'CREATED' && twoStepMode) return 'approve'
  return null
}

/** The signer's data as the request last held it: personal data, encrypted at rest. */
export const personSchema = z.object({
  givenName: z.string().optional(),
  surname1: z.string().optional(),
  surname2: z.string().optional(),
  idDocumentType: z.string().optional(),
  idDocumentCountry: z.string().optional(),
  serialNumber: z.string().optional(),
  email: z.string().optional(),
  mobilePhoneNumber: z.string().optional(),
  profile: z.string().optional(),
  registrationAuthority: z.string().optional(),
})
export type Person = z.infer<typeof personSchema>

/** One Video ID as the renderer sees it. Dates are ISO strings: only plain JSON crosses the boundary. */
export const caseSchema = z.object({
  videoidPk: z.number().int().positive(),
  requestPk: z.number().int().positive(),
  /** Upper-case request status as last read; `UNKNOWN` until the Optimizer was first asked. */
  status: z.string(),
  addedAt: z.string(),
  syncedAt: z.string().optional(),
  /** When the case was first seen in a final state: the video cache keeps its video some days after. */
  finalAt: z.string().optional(),
  /** When this desk first saw the case in its current status: how long it has waited in it. */
  statusSince: z.string().optional(),
  /**
   * The Optimizer itself answered that it does not know the request, at this time; read again before the
   * case is marked gone (one answer may be a proxy's or a passing fault).
   */
  missingSince: z.string().optional(),
  /** The Optimizer said twice, some time apart, that it no longer knows the request: kept and marked, never dropped. */
  gone: z.boolean(),
  /**
   * The pair was checked against the RA's own data (a check given with it), or the Video ID was created
   * here. An unverified pair may put one person's data beside another person's video: a decision on it
   * asks the officer to confirm the person first.
   */
  pairVerified: z.boolean(),
  person: personSchema,
  note: z.string(),
  /** A refusal reason being typed (sealed like the note), so that it survives a restart. */
  reasonDraft: z.object({ code: z.string().optional(), text: z.string() }).optional(),
  /** The personal data could not be decrypted (the key was lost): re-read from the Optimizer at the next sync. */
  sealedUnreadable: z.boolean(),
})
export type Case = z.infer<typeof caseSchema>

/** What a queue row shows of the signer, and what search matches. */
export const rowPersonSchema = personSchema.pick({
  givenName: true,
  surname1: true,
  surname2: true,
  idDocumentType: true,
  serialNumber: true,
  email: true,
  mobilePhoneNumber: true,
})
export type RowPerson = z.infer<typeof rowPersonSchema>

/**
 * One case as the queue lists it: what a row shows and search needs, no more. The signer's part is
 * absent while main has not unsealed it yet (it does so in the background, the queue's first rows
 * first); a case's whole data comes when it is opened.
 */
export const caseRowSchema = caseSchema
  .pick({
    videoidPk: true,
    requestPk: true,
    status: true,
    addedAt: true,
    statusSince: true,
    gone: true,
    pairVerified: true,
    sealedUnreadable: true,
  })
  .extend({ person: rowPersonSchema.optional() })
export type CaseRow = z.infer<typeof caseRowSchema>

const ROW_PERSON_FIELDS = Object.keys(rowPersonSchema.shape) as (keyof RowPerson)[]

/** The queue's row of a whole case. */
export function rowOf(item: Case): CaseRow {
  const person: RowPerson = {}
  for (const field of ROW_PERSON_FIELDS)
    if (item.person[field] !== undefined) person[field] = item.person[field]
  return {
    videoidPk: item.videoidPk,
    requestPk: item.requestPk,
    status: item.status,
    addedAt: item.addedAt,
    ...(item.statusSince ? { statusSince: item.statusSince } : {}),
    gone: item.gone,
    pairVerified: item.pairVerified,
    sealedUnreadable: item.sealedUnreadable,
    person,
  }
}

/** What orders the queue: the state, whether the request is gone, when the case was added. */
type Queued = Pick<CaseRow, 'videoidPk' | 'status' | 'gone' | 'addedAt'>

export const isPending = (item: Pick<Queued, 'status' | 'gone'>, twoStepMode: boolean) =>
  !item.gone && pendingStep(item.status, twoStepMode) !== null

const byAge = (a: Queued, b: Queued) =>
  a.addedAt < b.addedAt ? -1 : a.addedAt > b.addedAt ? 1 : a.videoidPk - b.videoidPk

/** Whether one case comes before another in the queue's order. */
export function queuedBefore(a: Queued, b: Queued, twoStepMode: boolean): boolean {
  const pending = isPending(a, twoStepMode)
  return pending !== isPending(b, twoStepMode) ? pending : byAge(a, b) < 0
}

/**
 * The first `count` cases in the queue's order, found in one pass (a book kept in the order cases were
 * added rarely moves one), rather than by ordering them all.
 */
export function firstInQueue<T extends Queued>(cases: Iterable<T>, count: number, twoStepMode: boolean): T[] {
  const first: T[] = []
  for (const item of cases) {
    const last = first[first.length - 1]
    if (first.length === count && last && !queuedBefore(item, last, twoStepMode)) continue
    let at = first.length
    while (at > 0 && queuedBefore(item, first[at - 1] as T, twoStepMode)) at--
    first.splice(at, 0, item)
    if (first.length > count) first.pop()
  }
  return first
}

/** The queue's order, the one policy for it: what waits for this workstation first, oldest first, then the rest. */
export function orderCases<T extends Queued>(cases: Iterable<T>, twoStepMode: boolean): T[] {
  const pending: T[] = []
  const rest: T[] = []
  for (const item of cases) (isPending(item, twoStepMode) ? pending : rest).push(item)
  return [...pending.sort(byAge), ...rest.sort(byAge)]
}

const MAX_NOTE = 4000
export const noteSchema = z.string().max(MAX_NOTE, { message: 'too_long' })

/** The largest paste or CSV accepted at once: about 40,000 lines of pairs. */
export const MAX_PAIRS_TEXT = 1_000_000

export const addCasesInputSchema = z.strictObject({
  text: z.string().max(MAX_PAIRS_TEXT, { message: 'too_large' }),
})

export const pairOutcomes = [
  'added',
  /** Added while the Optimizer could not be reached: the next sync checks it. */
  'added_unchecked',
  'already_known',
  'not_found',
  'malformed',
  /** The check given with the pair names someone else than the request: not added. */
  'check_mismatch',
  /** A check was given, but the Optimizer could not be asked now: not added, nothing was compared. */
  'check_unavailable',
  /** Another Video ID (in the book, or earlier in the same paste) has this request: one of them is a typo. */
  'request_taken',
  /** The addition was stopped before this line was read: not added. */
  'cancelled',
] as const
export const pairResultSchema = z.object({
  line: z.number().int().positive(),
  text: z.string(),
  outcome: z.enum(pairOutcomes),
  videoidPk: z.number().int().positive().optional(),
})
export type PairResult = z.infer<typeof pairResultSchema>

export const addCasesResultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('lines'), results: z.array(pairResultSchema) }),
  /** A CSV whose header does not name the two columns: nothing was read. */
  z.object({ kind: z.literal('wrong_columns') }),
  z.object({ kind: z.literal('empty') }),
])
export type AddCasesResult = z.infer<typeof addCasesResultSchema>

/** A mobile phone with its international prefix: `+`, country code, number; spaces allowed. */
export const phoneSchema = z
  .string()
  .trim()
  .refine((value) => /^\+[1-9]\d{6,14}$/.test(value.replace(/[\s-]/g, '')), { message: 'phone_prefix' })

/** `POST /videoid`: what the officer gives for a new Video ID. */
export const newVideoIdSchema = z.strictObject({
  mobilePhoneNumber: phoneSchema,
  email: z.email({ message: 'email_invalid' }).max(254),
  registrationAuthority: digits(1, 10),
  profile: z.string().trim().min(1).max(100),
})
export type NewVideoId = z.input<typeof newVideoIdSchema>

/** What the new-Video-ID form starts from: the Optimizer's defaults, and whether billing is covered. */
export const videoIdDefaultsSchema = z.object({
  registrationAuthority: z.string().optional(),
  profile: z.string().optional(),
  /** The Optimizer's settings hold a billing account. */
  optimizerHasBilling: z.boolean(),
  /** The officer stored billing credentials with theirs. */
  officerHasBilling: z.boolean(),
})
export type VideoIdDefaults = z.infer<typeof videoIdDefaultsSchema>

export const createdCaseSchema = z.object({ case: caseSchema, link: z.string().optional() })

export const syncStateSchema = z.object({
  running: z.boolean(),
  /** False once the Optimizer could not be reached, true again at the next answer. */
  online: z.boolean(),
  lastSyncedAt: z.string().optional(),
  /** When the next automatic round starts (sooner after a failure, with backoff). */
  nextAt: z.string().optional(),
  problem: appErrorSchema.optional(),
})
export type SyncState = z.infer<typeof syncStateSchema>

/** The case book as a whole: open, or kept aside because it could not be read. */
export const caseBookStateSchema = z.discriminatedUnion('state', [
  z.object({
    state: z.literal('open'),
    rows: z.array(caseRowSchema),
    /** The number of the last `casesChanged` event sent before this answer: later ones apply over it. */
    changes: z.number().int().nonnegative(),
    sync: syncStateSchema,
  }),
  z.object({
    state: z.literal('damaged'),
    /** Where the unreadable file is kept. */
    file: z.string(),
    reason: z.string(),
    lastGood: z.object({ savedAt: z.string(), cases: z.number().int() }).optional(),
  }),
  z.object({ state: z.literal('keychain_problem'), problem: appErrorSchema }),
])
export type CaseBookState = z.infer<typeof caseBookStateSchema>

/** How far an addition of pairs is: lines read from the Optimizer so far, of those to read. */
export const addCasesProgressSchema = z.object({
  checked: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
})

/** Rows of the queue that changed, numbered in the order main sent them. */
export const rowsChangedSchema = z.object({
  change: z.number().int().positive(),
  rows: z.array(caseRowSchema),
})

export const recoverInputSchema = z.strictObject({ from: z.enum(['last_good', 'empty']) })
export const caseRefSchema = z.strictObject({ videoidPk: pkSchema })
export const noteInputSchema = z.strictObject({ videoidPk: pkSchema, note: noteSchema })
