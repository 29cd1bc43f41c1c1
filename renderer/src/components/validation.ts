import type { z } from 'zod'

const KNOWN = new Set(['digits_4_16', 'digits_1_10', 'no_spaces', 'nothing_to_change'])

/**
 * Field errors from the contract's own schema (the same one main applies), as translation keys under
 * `validation.`: the renderer checks what main will check, without a second set of rules.
 */
export function fieldErrors(schema: z.ZodType, value: unknown): Record<string, string> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return {}
  const given = (value ?? {}) as Record<string, unknown>
  const errors: Record<string, string> = {}
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? 'form')
    if (errors[field]) continue
    const missing = issue.code === 'too_small' || (field !== 'form' && given[field] === undefined)
    errors[field] = KNOWN.has(issue.message) ? issue.message : missing ? 'required' : 'invalid'
  }
  return errors
}

/** Drops empty optional fields, so that "left blank" means "not given". */
export const withoutBlanks = <T extends Record<string, string>>(values: T): Partial<T> =>
  Object.fromEntries(Object.entries(values).filter(([, value]) => value.trim() !== '')) as Partial<T>
