import type { z } from 'zod'
import { type NewVideoId, newVideoIdSchema } from '../../shared/cases'
import { AppError } from '../../shared/errors'
import type { Environment } from '../../shared/settings'
import { authorityFields, type RaoAuthority } from './authority'
import {
  type DownloadOptions,
  type DownloadResult,
  downloadVideo,
  type RangeOptions,
  readVideoRange,
} from './download'
import { type Envelope, messageOf, payloadOf } from './envelope'
import { unexpectedAnswer } from './errors'
import { callJson, type HttpContext, type Method } from './http'
import {
  type CreatedVideoId,
  createdTokenSchema,
  createdVideoIdSchema,
  type Evidences,
  evidencesSchema,
  type OptimizerSettings,
  type OptimizerSettingsUpdate,
  optimizerSettingsSchema,
  optimizerSettingsUpdateSchema,
  type RequestDetails,
  requestDetailsSchema,
  type TokenInfo,
  tokenInfoSchema,
  tokenListSchema,
  versionSchema,
} from './schemas'
import { type UploadOptions, uploadVideo, type VideoBody } from './upload'

export type OneShotClientOptions = HttpContext

export interface BillingCredentials {
  username: string
  password: string
}

export interface TokenRequest {
  username: string
  password?: string
  pin?: string
  environment?: 'sandbox' | 'prod'
}

const base64 = (value: string) => Buffer.from(value, 'utf8').toString('base64')

/** Ids go into paths: only what the API issues is let through. */
function pkPath(pk: number): string {
  if (!Number.isSafeInteger(pk) || pk <= 0) throw new AppError('invalid_input', 'Not a valid id.', String(pk))
  return String(pk)
}
/** A token's uid stands in for the RAO's credentials: it goes into the path, never into the log. */
function tokenPath(uid: string) {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(uid)) throw new AppError('invalid_input', 'Not a valid token id.')
  return { path: `/token/${uid}`, options: { logAs: '/token/{uid}', carriesSecret: true } }
}

function parsePayload<S extends z.ZodType>(schema: S, envelope: Envelope | null, what: string): z.output<S> {
  const parsed = schema.safeParse(envelope ? payloadOf(envelope) : undefined)
  if (!parsed.success) throw unexpectedAnswer(`${what}: the answer lacks the expected fields`)
  return parsed.data
}

/** Every call RAO Desk makes to the One-Shot Optimizer. */
export function createOneShotClient(options: OneShotClientOptions) {
  const call = (method: Method, path: string, callOptions?: Parameters<typeof callJson>[3]) =>
    callJson(options, method, path, callOptions)

  /** A decision carries the RAO's authority, which the caller read (and journaled) before sending. */
  async function decide(
    action: 'validate' | 'approve' | 'refuse',
    videoidPk: number,
    authority: RaoAuthority,
    reason?: string,
  ) {
    const path = `/videoid/${pkPath(videoidPk)}/${action}`
    const body = { ...authorityFields(authority), ...(reason === undefined ? {} : { reason }) }
    await call('POST', path, { body, carriesSecret: true, emptyOk: true })
  }

  return {
    /** `GET /hello`: is the Optimizer up? Answers its greeting. */
    async hello(signal?: AbortSignal): Promise<string> {
      const envelope = await call('GET', '/hello', signal ? { signal } : {})
      const greeting = envelope && messageOf(envelope)
      if (!greeting) throw unexpectedAnswer('/hello answered without a greeting')
      return greeting
    },

    /** `GET /version`: the Optimizer's name and version. */
    async version(signal?: AbortSignal): Promise<{ name: string; version: string }> {
      return parsePayload(versionSchema, await call('GET', '/version', signal ? { signal } : {}), '/version')
    },

    /** `GET /settings`: the Optimizer's defaults; the billing password only as "set or not". */
    async getSettings(): Promise<OptimizerSettings> {
      return parsePayload(optimizerSettingsSchema, await call('GET', '/settings'), '/settings')
    },

    /** `POST /settings`. The billing password goes base64-encoded, as the API requires. */
    async updateSettings(update: OptimizerSettingsUpdate): Promise<void> {
      const parsed = optimizerSettingsUpdateSchema.parse(update)
      const body: Record<string, Record<string, string>> = {}
      const put = (group: string, key: string, value: string | undefined) => {
        if (value !== undefined) body[group] = { ...body[group], [key]: value }
      }
      put('tsa', 'tsa_url', parsed.tsaUrl)
      put('request', 'default_profile', parsed.defaultProfile)
      put('request', 'default_ra', parsed.defaultRa)
      put('billing', 'billing_username', parsed.billingUsername)
      put('billing', 'billing_password', parsed.billingPassword && base64(parsed.billingPassword))
      put('general', 'environment', parsed.environment)
      await call('POST', '/settings', { body, carriesSecret: parsed.billingPassword !== undefined })
    },

    /** `POST /token`: stores the credentials on the Optimizer; answers the token's uid. */
    async createToken(token: TokenRequest): Promise<string> {
      const body = {
        username: token.username,
        ...(token.password === undefined ? {} : { password: token.password }),
        ...(token.pin === undefined ? {} : { pin: token.pin }),
        ...(token.environment === undefined ? {} : { env: token.environment }),
      }
      const envelope = await call('POST', '/token', { body, carriesSecret: true })
      return parsePayload(createdTokenSchema, envelope, '/token')
    },

    /** `GET /token/{uid}`: which parts of the credentials the token holds. */
    async getToken(uid: string): Promise<TokenInfo> {
      const token = tokenPath(uid)
      return parsePayload(tokenInfoSchema, await call('GET', token.path, token.options), '/token')
    },

    /** `DELETE /token/{uid}`: the only way to revoke a token. */
    async deleteToken(uid: string): Promise<void> {
      const token = tokenPath(uid)
      await call('DELETE', token.path, token.options)
    },

    /** `GET /tokens`. */
    async listTokens() {
      return parsePayload(tokenListSchema, await call('GET', '/tokens'), '/tokens')
    },

    /** `POST /videoid`: a new Video ID for a signer. Billing credentials only where the Optimizer lacks them. */
    async createVideoId(
      request: NewVideoId,
      { environment, billing }: { environment?: Environment; billing?: BillingCredentials } = {},
    ): Promise<CreatedVideoId> {
      const parsed = newVideoIdSchema.parse(request)
      const body = {
        mobile_phone_number: parsed.mobilePhoneNumber.replace(/[\s-]/g, ''),
        email: parsed.email,
        registration_authority: parsed.registrationAuthority,
        profile: parsed.profile,
        ...(environment ? { env: environment } : {}),
        ...(billing
          ? { billing_username: billing.username, billing_password: base64(billing.password) }
          : {}),
      }
      return parsePayload(
        createdVideoIdSchema,
        // The signer's phone and email: personal data, whose echo an error must not carry.
        await call('POST', '/videoid', {
          body,
          carriesSecret: billing !== undefined,
          carriesPersonalData: true,
        }),
        '/videoid',
      )
    },

    /** `POST /videoid/{pk}/evidences`, external mode. */
    async uploadEvidences(videoidPk: number, evidences: Evidences, signal?: AbortSignal): Promise<void> {
      const body = evidencesSchema.parse(evidences)
      await call('POST', `/videoid/${pkPath(videoidPk)}/evidences`, {
        body,
        carriesPersonalData: true,
        ...(signal ? { signal } : {}),
      })
    },

    /** `POST /videoid/{pk}/video`: streams a file, or a body read as it goes, as multipart, with progress. */
    uploadVideo(videoidPk: number, video: string | VideoBody, uploadOptions?: UploadOptions): Promise<void> {
      return uploadVideo(options, `/videoid/${pkPath(videoidPk)}/video`, video, uploadOptions)
    },

    /** `GET /videoid/{pk}/video`: streams to a temporary file, checks it, then moves it into place. */
    downloadVideo(
      videoidPk: number,
      target: string,
      downloadOptions: DownloadOptions,
    ): Promise<DownloadResult> {
      return downloadVideo(options, `/videoid/${pkPath(videoidPk)}/video`, target, downloadOptions)
    },

    /** One byte range of `GET /videoid/{pk}/video`, streamed, where the Optimizer honours `Range`. */
    readVideoRange(
      videoidPk: number,
      range: { start: number; end: number },
      onPiece: (piece: Buffer) => void,
      rangeOptions?: RangeOptions,
    ) {
      return readVideoRange(options, `/videoid/${pkPath(videoidPk)}/video`, range, onPiece, rangeOptions)
    },

    /** `POST /videoid/{pk}/validate` (two-step mode): the RAO has checked the data and evidences. */
    validate: (videoidPk: number, authority: RaoAuthority) => decide('validate', videoidPk, authority),

    /** `POST /videoid/{pk}/approve`: the request becomes ready to sign. */
    approve: (videoidPk: number, authority: RaoAuthority) => decide('approve', videoidPk, authority),

    /** `POST /videoid/{pk}/refuse`: refused with a reason, which is required and checked before sending. */
    refuse(videoidPk: number, reason: string, authority: RaoAuthority) {
      if (!reason.trim()) return Promise.reject(new AppError('invalid_input', 'A refusal needs a reason.'))
      return decide('refuse', videoidPk, authority, reason.trim())
    },

    /** `GET /request/{pk}`: the request's status and the signer's data. */
    async getRequest(requestPk: number): Promise<RequestDetails> {
      return parsePayload(
        requestDetailsSchema,
        await call('GET', `/request/${pkPath(requestPk)}`),
        '/request',
      )
    },

    /** `DELETE /request/{pk}`: cancels the request. */
    async cancelRequest(requestPk: number): Promise<void> {
      await call('DELETE', `/request/${pkPath(requestPk)}`)
    },
  }
}

export type OneShotClient = ReturnType<typeof createOneShotClient>
