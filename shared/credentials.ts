import { z } from 'zod'
import { digits } from './digits'
import { appErrorSchema } from './errors'
import { environmentSchema } from './settings'

/**
 * The longest each credential may be: the schemas below refuse more, with a message that says so. The
 * forms' fields take whatever is typed or pasted, whole: a field that cut a pasted secret would save one
 * the officer never chose.
 */
export const credentialMaxLength = {
  username: 64,
  password: 256,
  pin: 16,
  rao: 10,
  billingUsername: 256,
  billingPassword: 256,
} as const

// Passwords are taken exactly as typed: spaces may be part of them.
const secret = (max: number) => z.string().min(1).max(max)

export const credentialFields = {
  username: z
    .string()
    .trim()
    .min(1)
    .max(credentialMaxLength.username)
    .regex(/^\S+$/, { message: 'no_spaces' }),
  password: secret(credentialMaxLength.password),
  pin: digits(4, credentialMaxLength.pin),
  rao: digits(1, credentialMaxLength.rao),
  billingUsername: z.string().trim().min(1).max(credentialMaxLength.billingUsername),
  billingPassword: secret(credentialMaxLength.billingPassword),
}

/** First set-up: the RAO's username, password, PIN and numeric RAO id; billing only where the Optimizer lacks it. */
export const newCredentialsSchema = z.strictObject({
  username: credentialFields.username,
  password: credentialFields.password,
  pin: credentialFields.pin,
  rao: credentialFields.rao,
  billingUsername: credentialFields.billingUsername.optional(),
  billingPassword: credentialFields.billingPassword.optional(),
})
export type NewCredentials = z.input<typeof newCredentialsSchema>

/** A change to what is stored (a new PIN, say). The username is not changed: that is a new set-up. */
export const credentialsPatchSchema = z
  .strictObject({
    password: credentialFields.password.optional(),
    pin: credentialFields.pin.optional(),
    rao: credentialFields.rao.optional(),
    billingUsername: credentialFields.billingUsername.optional(),
    billingPassword: credentialFields.billingPassword.optional(),
  })
  .refine((patch) => Object.values(patch).some((value) => value !== undefined), {
    message: 'nothing_to_change',
  })
export type CredentialsPatch = z.input<typeof credentialsPatchSchema>

/** The password and PIN (and billing password, where one is kept) entered again for another Optimizer address. */
export const reenteredCredentialsSchema = z.strictObject({
  password: credentialFields.password,
  pin: credentialFields.pin,
  billingPassword: credentialFields.billingPassword.optional(),
})

/**
 * All the renderer ever learns of the credentials: whether they are set, whose they are, the RAO id,
 * the environment, whether a token stands in for them, and the Optimizer address they are bound to
 * (`other_optimizer`: set up, but checked with another address than the one in use). Never a secret.
 */
export const credentialStatusSchema = z.object({
  environment: environmentSchema,
  state: z.enum(['none', 'ready', 'lost', 'keychain_problem', 'other_optimizer']),
  username: z.string().optional(),
  rao: z.string().optional(),
  mode: z.enum(['credentials', 'token']).optional(),
  billingUsername: z.string().optional(),
  optimizer: z.string().optional(),
  problem: appErrorSchema.optional(),
})
export type CredentialStatus = z.infer<typeof credentialStatusSchema>

/**
 * Saved credentials: their status, and what the Optimizer said before they were saved: accepted, not
 * reached (network, timeout, TLS), its answer lost (the check's token cannot be told from the list),
 * or unable to tell because it holds a token for them that another workstation or system made.
 */
export const savedCredentialsSchema = z.object({
  status: credentialStatusSchema,
  check: z.enum(['verified', 'not_checked', 'answer_lost', 'token_elsewhere']),
})
export type SavedCredentials = z.infer<typeof savedCredentialsSchema>

export const tokenInfoSchema = z.object({
  username: z.string(),
  hasPassword: z.boolean(),
  hasPin: z.boolean(),
})
export type TokenInfo = z.infer<typeof tokenInfoSchema>

export const verificationSchema = z.object({ method: z.enum(['credentials', 'token']) })
export const forgetResultSchema = z.object({ tokenRevoked: z.boolean().nullable() })
