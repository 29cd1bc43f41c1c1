import { z } from 'zod'

/**
 * Digits only, from `min` to `max` of them, spaces around not counted. A refusal is `digits` with both
 * bounds as its params: the form's message names the limits the schema applies, whatever they are.
 */
export function digits(min: number, max: number) {
  const pattern = new RegExp(`^\\d{${min},${max}}$`)
  return z
    .string()
    .trim()
    .refine((value) => pattern.test(value), { message: 'digits', params: { min, max } })
}
