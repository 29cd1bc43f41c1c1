import { z } from 'zod'

/** Every failure crosses the IPC boundary as this one shape. */
export const errorCodes = [
  'invalid_input',
  'untrusted_sender',
  'unknown_channel',
  'unreachable',
  'timeout',
  'tls',
  'unexpected_answer',
  'invalid_credentials',
  'not_found',
  'wrong_state',
  'rejected',
  'server_error',
  'cancelled',
  'storage',
  'not_a_video',
  'media_damaged',
  'case_book_damaged',
  'outcome_unknown',
  /** A new decision after one whose fate no answer confirmed: the officer must say so first. */
  'resend_unconfirmed',
  /** A pair added without a check: the officer must confirm the video shows this person first. */
  'pair_unconfirmed',
  /** A Video ID the Optimizer created that could not be written into the case book: its pks are in the detail. */
  'created_not_saved',
  'decision_in_flight',
  'four_eyes',
  'billing_missing',
  'credentials_missing',
  'credentials_lost',
  'credentials_other_optimizer',
  'foreign_token',
  /** No answer came to a call that may have taken effect, and reading again could not tell. */
  'answer_lost',
  'keychain_unavailable',
  'keychain_locked',
  'keychain_denied',
  'keychain_error',
  /** Capture at the desk: a capture its key can no longer open, or one not ready to upload. */
  'capture_unreadable',
  'capture_incomplete',
  /** Only a Video ID this desk created, waiting for its video, is captured here. */
  'capture_not_allowed',
  'acceptance_urls_missing',
  'not_an_image',
  'image_too_large',
  'image_too_small',
  'video_too_large',
  /** The evidences are on the Optimizer already: what they carried is no longer changed here. */
  'evidences_sent',
  'upload_in_flight',
  /** Part of a capture is, or may be, on the Optimizer: it is not discarded. */
  'capture_sent',
  /** An upload whose answer was lost or unclear, and whose status does not show it yet. */
  'upload_unknown',
  /** The desk is locked: main refuses everything but the lock itself until the PIN is given. */
  'desk_locked',
  'wrong_pin',
  /** After ten wrong PINs the desk asks for the RAO password too: one of them was wrong. */
  'wrong_password_or_pin',
  /** Wrong PINs were given: the next try waits (the lock state says until when). */
  'unlock_wait',
  'touch_id_failed',
  /** Credentials set up at the lock are another RAO user's than the one the desk was locked for. */
  'other_officer',
  'team_unreachable',
  'team_tls',
  'team_tls_required',
  'team_auth',
  'team_schema_old',
  'team_schema_new',
  /** The team schema holds rules RAO Desk's migrations did not make (`team:init` compares them). */
  'team_schema_changed',
  'team_forbidden',
  'team_no_claim',
  'internal',
] as const

export const errorCodeSchema = z.enum(errorCodes)
export type ErrorCode = z.infer<typeof errorCodeSchema>

export const appErrorSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  detail: z.string().optional(),
})
export type AppErrorShape = z.infer<typeof appErrorSchema>

/** Thrown on either side; `toShape` turns it into the plain value that crosses the boundary. */
export class AppError extends Error {
  readonly code: ErrorCode
  readonly detail: string | undefined
  /** The HTTP status of the answer this error comes from; undefined when no answer came. Never crosses. */
  readonly httpStatus: number | undefined

  constructor(code: ErrorCode, message: string, detail?: string, httpStatus?: number) {
    super(message)
    this.name = 'AppError'
    this.code = code
    this.detail = detail
    this.httpStatus = httpStatus
  }

  toShape(): AppErrorShape {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail }
  }

  static fromShape(shape: AppErrorShape): AppError {
    return new AppError(shape.code, shape.message, shape.detail)
  }
}

/** What every invoke returns across the boundary: a value or an error, never a thrown string. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: AppErrorShape }
