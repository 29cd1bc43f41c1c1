import { z } from 'zod'
import { caseSchema, phoneSchema, pkSchema } from './cases'

/**
 * Capture at the desk: One-Shot's external mode, where the RA itself records the signer's video and
 * collects the evidences (`POST /videoid/{pk}/evidences`, then `POST /videoid/{pk}/video`). What the
 * renderer sends for a capture and what it is shown of one; main checks every part again.
 */

/** The evidences' images, by their names in the API (`videoid_data.images`). */
export const imageSlots = ['document_front', 'document_rear', 'document_photo', 'document_owner'] as const
export type ImageSlot = (typeof imageSlots)[number]

/** Documents the API identifies a signer by (`ocr_data.id_document_type`). */
export const documentTypes = ['IDC', 'PAS', 'PNO', 'TIN'] as const
export type DocumentType = (typeof documentTypes)[number]

/** What an image may be, before and after it is scaled down in the page. */
export const IMAGE_LIMITS = {
  /** A file chosen for an image: a larger one is refused before it is read. */
  maxFileBytes: 20 * 1024 * 1024,
  /** The longest side an image is scaled down to before it is kept: sharp enough to read a document. */
  maxSide: 2000,
  /** A shorter shortest side shows too little of a document or a face to check. */
  minSide: 240,
  /** What main keeps of one image, scaled down and encoded. */
  maxBytes: 4 * 1024 * 1024,
} as const

/** A recording or a video file: the pieces it reaches main in, and its largest size. */
export const VIDEO_LIMITS = {
  /** One piece: a recorder's slice, or a part of a file chosen. */
  maxPieceBytes: 4 * 1024 * 1024,
  /** A file piece: small enough that neither side holds much of it at once. */
  filePieceBytes: 1024 * 1024,
  maxBytes: 1024 * 1024 * 1024,
} as const

/** Base64 of `bytes` bytes, at most. */
const base64Of = (bytes: number) => Math.ceil(bytes / 3) * 4

/** The video containers the API is sent: MP4 (H.264 and AAC) where the recorder has it, WebM otherwise. */
export const videoTypes = ['video/mp4', 'video/webm'] as const
export type VideoType = (typeof videoTypes)[number]

/** The prompts the signer is shown while recording, in order. */
export const capturePrompts = ['document_front', 'document_rear', 'turn_head'] as const
export type CapturePrompt = (typeof capturePrompts)[number]

/** The API's security checks (`videoid_data.security_checks`), as the officer ticks them. */
export const securityChecks = [
  'documentsMatch',
  'dataIntegrity',
  'documentNotCopy',
  'documentNotExpired',
  'documentNotUnderage',
  'liveness',
  'otpValidation',
] as const
export type SecurityCheck = (typeof securityChecks)[number]

const name = z.string().trim().min(1).max(100)

/** The data read from the document, as the API's `ocr_data` asks for it. */
export const documentDataSchema = z.strictObject({
  givenName: name,
  surname1: name,
  surname2: z.string().trim().max(100).optional(),
  serialNumber: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .regex(/^[\p{L}\p{N}-]+$/u, { message: 'document_number' }),
  idDocumentType: z.enum(documentTypes),
  idDocumentCountry: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, { message: 'country_iso2' }),
  mobilePhoneNumber: phoneSchema.optional(),
  email: z.email({ message: 'email_invalid' }).max(254).optional(),
})
export type DocumentData = z.output<typeof documentDataSchema>

/** The security checks ticked, and how alike the document's photo and the face are (0 to 100). */
export const checksSchema = z.strictObject({
  ...(Object.fromEntries(securityChecks.map((check) => [check, z.boolean()])) as Record<
    SecurityCheck,
    z.ZodBoolean
  >),
  similarityLevel: z.number().int().min(0).max(100),
})
export type Checks = z.infer<typeof checksSchema>

/** The signer accepted the privacy policy and the terms: the page says which browser showed them. */
export const acceptanceInputSchema = z.strictObject({
  accepted: z.literal(true),
  userAgent: z.string().trim().min(1).max(512),
})

const ref = { videoidPk: pkSchema }
const take = z.string().regex(/^[0-9a-f]{16}$/)

export const saveCaptureInputSchema = z.strictObject({
  ...ref,
  acceptance: acceptanceInputSchema.optional(),
  document: documentDataSchema.optional(),
  checks: checksSchema.optional(),
})

export const captureImageInputSchema = z.strictObject({
  ...ref,
  slot: z.enum(imageSlots),
  source: z.enum(['camera', 'file']),
  /** The image scaled down and encoded in the page, as base64. */
  data: z.base64().max(base64Of(IMAGE_LIMITS.maxBytes)),
})
export const captureImageRefSchema = z.strictObject({ ...ref, slot: z.enum(imageSlots) })

const deviceLabel = z.string().max(200)
export const startVideoInputSchema = z.strictObject({
  ...ref,
  type: z.enum(videoTypes),
  /** The codecs the recorder was asked for (`avc1,mp4a.40.2`, `vp9,opus`), as recorded. */
  codecs: z
    .string()
    .regex(/^[\w.,+ -]{0,100}$/)
    .optional(),
  source: z.enum(['camera', 'file']),
  devices: z.strictObject({ camera: deviceLabel.optional(), microphone: deviceLabel.optional() }).optional(),
})
/** How a recording ended: stopped by the officer, its camera or microphone gone, the recorder failed, or a file's last piece. */
export const videoEndings = ['stopped', 'device_lost', 'failed', 'file', 'interrupted'] as const
export const promptShownSchema = z.strictObject({
  prompt: z.enum(capturePrompts),
  /** Milliseconds from the start of the recording. */
  atMs: z
    .number()
    .int()
    .min(0)
    .max(4 * 3600_000),
})
const promptsShown = z.array(promptShownSchema).max(capturePrompts.length * 4)
export const videoPieceInputSchema = z.strictObject({
  ...ref,
  take,
  index: z.number().int().min(0).max(1_000_000),
  data: z.base64().max(base64Of(VIDEO_LIMITS.maxPieceBytes)),
  /** The prompts shown so far: kept as they come, so that a recording cut off keeps their times. */
  prompts: promptsShown.optional(),
})
export const endVideoInputSchema = z.strictObject({
  ...ref,
  take,
  ended: z.enum(videoEndings).exclude(['interrupted']),
  durationMs: z
    .number()
    .int()
    .min(0)
    .max(4 * 3600_000)
    .optional(),
  prompts: promptsShown,
})
export const captureRefSchema = z.strictObject(ref)
export const uploadCaptureInputSchema = z.strictObject({
  ...ref,
  /** The officer confirmed sending again a part whose earlier upload no answer confirmed. */
  resendConfirmed: z.literal(true).optional(),
})

/** What a capture still lacks before it can be uploaded. */
export const captureParts = ['acceptance', ...imageSlots, 'document', 'checks', 'recording'] as const
export type CapturePart = (typeof captureParts)[number]

const imageSchema = z.object({
  source: z.enum(['camera', 'file']),
  type: z.enum(['image/jpeg', 'image/png']),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  bytes: z.number().int().positive(),
  takenAt: z.string(),
  /** Where the page shows it from: main's media protocol. */
  url: z.string(),
})

/**
 * Where each part of the upload stands, as the journal records it: not sent, on the Optimizer, sent with
 * its answer lost and not settled yet, or never confirmed by an answer (sending it again needs the
 * officer's confirmation).
 */
export const uploadPartStates = ['pending', 'done', 'unknown', 'unconfirmed'] as const

/** A capture as the page shows it: what was recorded and when, and what is still missing. */
export const captureSchema = z.object({
  videoidPk: z.number().int().positive(),
  requestPk: z.number().int().positive(),
  startedAt: z.string(),
  acceptance: z
    .object({
      acceptedAt: z.string(),
      ip: z.string(),
      userAgent: z.string(),
      privacyPolicyUrl: z.string(),
      termsUrl: z.string(),
    })
    .optional(),
  images: z.partialRecord(z.enum(imageSlots), imageSchema),
  document: documentDataSchema.optional(),
  checks: checksSchema.optional(),
  recording: z
    .object({
      take,
      type: z.enum(videoTypes),
      codecs: z.string().optional(),
      source: z.enum(['camera', 'file']),
      startedAt: z.string(),
      endedAt: z.string().optional(),
      /** Undefined while it is being recorded. */
      ended: z.enum(videoEndings).optional(),
      durationMs: z.number().int().nonnegative().optional(),
      bytes: z.number().int().nonnegative(),
      prompts: z.array(promptShownSchema),
      devices: z.object({ camera: z.string().optional(), microphone: z.string().optional() }).optional(),
      url: z.string(),
    })
    .optional(),
  missing: z.array(z.enum(captureParts)),
  upload: z.object({
    evidences: z.enum(uploadPartStates),
    video: z.enum(uploadPartStates),
    /** A part whose answer was lost is settled by the request's status by this time at the latest. */
    settledBy: z.string().optional(),
  }),
})
export type Capture = z.infer<typeof captureSchema>

/** How an upload goes, pushed to the page a few times a second. */
export const captureProgressSchema = z.object({
  videoidPk: z.number().int().positive(),
  state: z.discriminatedUnion('phase', [
    z.object({ phase: z.literal('evidences') }),
    z.object({
      phase: z.literal('video'),
      bytes: z.number().int().nonnegative(),
      total: z.number().int().nonnegative(),
    }),
    z.object({ phase: z.literal('idle') }),
  ]),
})
export type CaptureProgress = z.infer<typeof captureProgressSchema>

export const startedVideoSchema = z.object({ take })
export const uploadedCaptureSchema = z.object({ case: caseSchema })
