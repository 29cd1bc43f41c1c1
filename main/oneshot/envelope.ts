import { z } from 'zod'

/**
 * Both generations of the One-Shot answer envelope: current `{status:"success", message|messsage,
 * detail|details}` (the typo is the API's own) and legacy `{status:"200 OK", details}`.
 */
export const envelopeSchema = z.looseObject({
  status: z.unknown().optional(),
  message: z.unknown().optional(),
  messsage: z.unknown().optional(),
  details: z.unknown().optional(),
  detail: z.unknown().optional(),
})
export type Envelope = z.infer<typeof envelopeSchema>

export const payloadOf = (envelope: Envelope): unknown =>
  envelope.details !== undefined ? envelope.details : envelope.detail

/** The server's own words, for showing as detail. */
export function messageOf(envelope: Envelope): string | undefined {
  for (const candidate of [envelope.message, envelope.messsage, envelope.details, envelope.detail]) {
    if (typeof candidate === 'string' && candidate.trim()) return candidate.trim()
  }
  const payload = payloadOf(envelope)
  if (payload !== undefined && payload !== null && typeof payload === 'object') return JSON.stringify(payload)
  return undefined
}
