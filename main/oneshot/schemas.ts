import { z } from 'zod'
import { documentTypes } from '../../shared/capture'
import { environmentSchema } from '../../shared/settings'

/**
 * The One-Shot API's shapes, as the wire carries them (snake_case), each with the camelCase value the
 * rest of RAO Desk uses. Answers are read leniently (both API generations, unknown extra fields kept
 * out) and requests are built strictly.
 */

const text = z.string().trim().min(1)
const pk = z.coerce.number().int().positive()

/** `GET /version` answer: the Optimizer's name and version. */
export const versionSchema = z
  .looseObject({ name: z.string(), version: z.string() })
  .transform(({ name, version }) => ({ name, version }))

/** `POST /videoid` answer: current `{videoid_link: <pk>, request_pk}` (sic) or legacy `{videoid_pk, videoid_link: <url>, request_pk}`. */
export const createdVideoIdSchema = z
  .looseObject({
    videoid_pk: pk.optional(),
    videoid_link: z.union([z.string(), z.number()]).optional(),
    request_pk: pk,
  })
  .transform((wire, context) => {
    const videoidPk =
      wire.videoid_pk ?? (typeof wire.videoid_link === 'number' ? wire.videoid_link : undefined)
    if (videoidPk === undefined) {
      context.addIssue({ code: 'custom', message: 'no Video ID pk in the answer' })
      return z.NEVER
    }
    const link = typeof wire.videoid_link === 'string' ? wire.videoid_link : undefined
    return { videoidPk, requestPk: wire.request_pk, ...(link ? { link } : {}) }
  })
export type CreatedVideoId = z.output<typeof createdVideoIdSchema>

/** `GET /request/{pk}` answer. Status stays a string: the API has more states than the Video ID flow uses. */
export const requestDetailsSchema = z
  .looseObject({
    pk,
    status: text,
    given_name: z.string().nullish(),
    surname_1: z.string().nullish(),
    surname_2: z.string().nullish(),
    serial_number: z.string().nullish(),
    id_document_type: z.string().nullish(),
    id_document_country: z.string().nullish(),
    email: z.string().nullish(),
    mobile_phone_number: z.string().nullish(),
    registration_authority: z.union([z.string(), z.number()]).nullish(),
    profile: z.string().nullish(),
  })
  .transform((wire) => ({
    requestPk: wire.pk,
    status: wire.status.toUpperCase(),
    givenName: wire.given_name ?? undefined,
    surname1: wire.surname_1 ?? undefined,
    surname2: wire.surname_2 ?? undefined,
    serialNumber: wire.serial_number ?? undefined,
    idDocumentType: wire.id_document_type ?? undefined,
    idDocumentCountry: wire.id_document_country ?? undefined,
    email: wire.email ?? undefined,
    mobilePhoneNumber: wire.mobile_phone_number ?? undefined,
    registrationAuthority:
      wire.registration_authority == null ? undefined : String(wire.registration_authority),
    profile: wire.profile ?? undefined,
  }))
export type RequestDetails = z.output<typeof requestDetailsSchema>

/** `POST /token` answer: legacy a bare uid string, current `{token_uid}`. */
export const createdTokenSchema = z.union([
  text,
  z.looseObject({ token_uid: text }).transform((wire) => wire.token_uid),
])

const tokenPartsSchema = z.looseObject({
  username: z.union([z.string(), z.number()]),
  password: z.boolean(),
  pin: z.boolean(),
})
const toTokenParts = (wire: z.output<typeof tokenPartsSchema>) => ({
  username: String(wire.username),
  hasPassword: wire.password,
  hasPin: wire.pin,
})

/** `GET /token/{uid}`: which parts of the credentials the token holds (never the parts themselves). */
export const tokenInfoSchema = tokenPartsSchema.transform(toTokenParts)
export type TokenInfo = z.output<typeof tokenInfoSchema>

/** `GET /tokens`: uid → token parts. */
export const tokenListSchema = z
  .record(z.string(), tokenPartsSchema)
  .transform((map) => Object.entries(map).map(([uid, wire]) => ({ uid, ...toTokenParts(wire) })))

/**
 * `GET /settings`. The billing password is read only to say whether one is set: it is never kept,
 * logged, or handed on.
 */
export const optimizerSettingsSchema = z
  .looseObject({
    tsa: z.looseObject({ tsa_url: z.string().optional() }).optional(),
    request: z
      .looseObject({
        default_profile: z.string().optional(),
        default_ra: z.union([z.string(), z.number()]).optional(),
      })
      .optional(),
    billing: z
      .looseObject({ billing_username: z.string().optional(), billing_password: z.string().optional() })
      .optional(),
    general: z.looseObject({ environment: z.string().optional() }).optional(),
  })
  .transform((wire) => ({
    tsaUrl: wire.tsa?.tsa_url,
    defaultProfile: wire.request?.default_profile,
    defaultRa: wire.request?.default_ra === undefined ? undefined : String(wire.request.default_ra),
    billingUsername: wire.billing?.billing_username,
    billingPasswordSet: Boolean(wire.billing?.billing_password),
    environment: wire.general?.environment,
  }))
export type OptimizerSettings = z.output<typeof optimizerSettingsSchema>

/** What `POST /settings` may change; the billing password is given in plain text and sent base64-encoded. */
export const optimizerSettingsUpdateSchema = z.strictObject({
  tsaUrl: z.url().optional(),
  defaultProfile: text.optional(),
  defaultRa: text.optional(),
  billingUsername: text.optional(),
  billingPassword: text.optional(),
  environment: environmentSchema.optional(),
})
export type OptimizerSettingsUpdate = z.input<typeof optimizerSettingsUpdateSchema>

/**
 * `POST /videoid/{pk}/evidences`, external mode: what the integrator's own Video ID collected, with the
 * field names of the API reference (`oneshot-api-1.0.0-videoid.txt`; the legacy `UploadData_VID`).
 */
export const evidencesSchema = z.strictObject({
  acceptance: z
    .strictObject({
      description: z.string().optional(),
      'url-doc-privacypolicy': z.string().optional(),
      ip: z.string().optional(),
      'url-web-videoid': z.string().optional(),
      'user-agent': z.string().optional(),
      date: z.string().optional(),
      'url-doc-termsconditions': z.string().optional(),
    })
    .optional(),
  videoid_data: z.strictObject({
    images: z
      .strictObject({
        document_front: z.base64().optional(),
        document_rear: z.base64().optional(),
        document_photo: z.base64().optional(),
        document_owner: z.base64().optional(),
      })
      .optional(),
    ocr_data: z.strictObject({
      given_name: text,
      surname_1: text,
      surname_2: z.string().optional(),
      mobile_phone_number: z.string().optional(),
      email: z.string().optional(),
      serial_number: text,
      id_document_type: z.enum(documentTypes).optional(),
      id_document_country: z.string().length(2).optional(),
    }),
    security_checks: z
      .strictObject({
        otp_validation: z.boolean().optional(),
        documents_match: z.boolean().optional(),
        data_integrity: z.boolean().optional(),
        document_notcopy: z.boolean().optional(),
        document_notexpired: z.boolean().optional(),
        document_notunderage: z.boolean().optional(),
        liveliness: z.boolean().optional(),
      })
      .optional(),
    similarity_level: z.number().int().min(0).max(100).optional(),
  }),
})
export type Evidences = z.input<typeof evidencesSchema>
