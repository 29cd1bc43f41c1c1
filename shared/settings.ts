import { z } from 'zod'

export const SANDBOX_OPTIMIZER_URL = 'https://optimizer-developers.uanataca.com/oneshot/api/v1'
/** Where the One-Shot API is mounted on an Optimizer. */
export const API_PATH = '/oneshot/api/v1'

/**
 * Likely mistakes in an acceptable address, to warn about before saving: the API's path missing (every
 * call would answer 404), or Uanataca's public sandbox chosen for production.
 */
export function addressWarnings(
  value: string,
  environment: Environment,
): ('no_api_path' | 'sandbox_for_prod')[] {
  if (!isAcceptableOptimizerUrl(value)) return []
  const url = new URL(value)
  const warnings: ('no_api_path' | 'sandbox_for_prod')[] = []
  if (!url.pathname.replace(/\/+$/, '').endsWith(API_PATH)) warnings.push('no_api_path')
  if (environment === 'prod' && url.host === new URL(SANDBOX_OPTIMIZER_URL).host)
    warnings.push('sandbox_for_prod')
  return warnings
}

/** The address with the API's path added after whatever path it has. */
export const withApiPath = (value: string) => `${value.trim().replace(/\/+$/, '')}${API_PATH}`

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/** HTTPS everywhere; plain HTTP only on this machine (a local Optimizer or the simulator), since credentials travel in bodies. */
export function isAcceptableOptimizerUrl(value: string): boolean {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return false
  }
  if (url.username || url.password || url.search || url.hash) return false
  if (url.protocol === 'https:') return true
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)
}

/**
 * One spelling per address (scheme and host lower case, no default port, no trailing slash), so the same
 * Optimizer is never two scopes, with a decision pending in one of them. A value that is not a URL stays.
 */
export function normalAddress(value: string): string {
  try {
    const url = new URL(value.trim())
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`
  } catch {
    return value
  }
}

export const optimizerUrlSchema = z
  .string()
  .trim()
  .max(2048)
  .refine(isAcceptableOptimizerUrl, { message: 'optimizer_url_invalid' })
  .transform(normalAddress)

/** An https address with no credentials in it, or none yet. */
const documentUrlSchema = z
  .string()
  .trim()
  .max(2048)
  .refine(
    (value) => {
      if (value === '') return true
      try {
        const url = new URL(value)
        return url.protocol === 'https:' && !url.username && !url.password
      } catch {
        return false
      }
    },
    { message: 'https_url' },
  )

export const environmentSchema = z.enum(['sandbox', 'prod'])
export type Environment = z.infer<typeof environmentSchema>

export const languageSchema = z.enum(['system', 'es', 'en'])
export type LanguagePreference = z.infer<typeof languageSchema>

export const settingsSchema = z.object({
  optimizerUrl: optimizerUrlSchema,
  environment: environmentSchema,
  language: languageSchema,
  /** How often the case book re-reads open cases from the Optimizer. */
  syncIntervalSeconds: z.number().int().min(10).max(3600),
  /** This workstation validates, then approves (possibly another officer), instead of approving in one step. */
  twoStepMode: z.boolean(),
  /** Days a case's video stays on this computer after the case reached a final state. */
  videoRetentionDays: z.number().int().min(1).max(365),
  /** Two-step mode: the desk does not approve a case that the same officer validated. */
  fourEyes: z.boolean(),
  /** After a decision, the next pending case opens. */
  openNextAfterDecision: z.boolean(),
  /** While a case is open, the next pending case's video downloads in the background. */
  prefetchNextVideo: z.boolean(),
  /**
   * A decision whose answer was lost counts as not done only after the request's status has shown the
   * state before it for this long, counted from the lost answer: a server can still be signing.
   */
  settleWindowMinutes: z.number().int().min(1).max(60),
  /** The language a refusal's reason is sent in; `ui` follows the officer's language. */
  reasonLanguage: z.enum(['ui', 'es', 'en']),
  /** Capture at the desk: the RA's privacy policy and terms, whose acceptance the evidences record. */
  privacyPolicyUrl: documentUrlSchema,
  termsUrl: documentUrlSchema,
  /** The desk locks after this long without input on it. */
  idleLockMinutes: z.number().int().min(1).max(30),
})
export type Settings = z.infer<typeof settingsSchema>

export const defaultSettings: Settings = {
  optimizerUrl: SANDBOX_OPTIMIZER_URL,
  environment: 'sandbox',
  language: 'system',
  syncIntervalSeconds: 60,
  twoStepMode: false,
  videoRetentionDays: 7,
  fourEyes: false,
  openNextAfterDecision: true,
  prefetchNextVideo: true,
  settleWindowMinutes: 10,
  reasonLanguage: 'ui',
  privacyPolicyUrl: '',
  termsUrl: '',
  idleLockMinutes: 5,
}
