import { z } from 'zod'
import { pkSchema } from './cases'
import { appErrorSchema } from './errors'

/** Where a case's video stands on this computer. */
export const videoStateSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('none') }),
  z.object({
    status: z.literal('downloading'),
    bytes: z.number().int().nonnegative(),
    /** Undefined where the Optimizer does not say how long the video is. */
    total: z.number().int().nonnegative().optional(),
    bytesPerSecond: z.number().nonnegative(),
  }),
  z.object({ status: z.literal('ready'), bytes: z.number().int().nonnegative() }),
  z.object({ status: z.literal('failed'), error: appErrorSchema }),
])
export type VideoState = z.infer<typeof videoStateSchema>

/**
 * Saved copies deleted because the media key that sealed them is gone from the keychain (it was reset):
 * nothing can read them again. Told once, by the open that found them.
 */
export const lostCopiesSchema = z.object({
  videos: z.number().int().nonnegative(),
  snapshots: z.number().int().nonnegative(),
})
export type LostCopies = z.infer<typeof lostCopiesSchema>

/** A case's video: where the page plays it from (main's media protocol, by case), and how far it is. */
export const openedVideoSchema = z.object({
  url: z.string(),
  state: videoStateSchema,
  lostCopies: lostCopiesSchema.optional(),
})
/**
 * What became of a request to download the next case's video ahead: started, running or saved already,
 * switched off (a setting), no room on the cache's disk, another case asked for since, or the case's
 * download cancelled since.
 */
export const prefetchOutcomeSchema = z.enum([
  'started',
  'running',
  'saved',
  'off',
  'no_room',
  'replaced',
  'cancelled',
])
export type PrefetchOutcome = z.infer<typeof prefetchOutcomeSchema>

export const videoProgressSchema = z.object({
  videoidPk: z.number().int().positive(),
  state: videoStateSchema,
})

/** A frame the officer kept, stamped with its time in the video and the time it was taken. */
export const snapshotSchema = z.object({
  id: z.string(),
  videoTimeSeconds: z.number().nonnegative(),
  takenAt: z.string(),
  url: z.string(),
})
export type Snapshot = z.infer<typeof snapshotSchema>

/** A PNG of up to about 24 MB (a full-size 4K frame), as base64. */
export const MAX_SNAPSHOT_BASE64 = 32 * 1024 * 1024
export const saveSnapshotInputSchema = z.strictObject({
  videoidPk: pkSchema,
  videoTimeSeconds: z
    .number()
    .nonnegative()
    .max(24 * 3600),
  png: z.base64().max(MAX_SNAPSHOT_BASE64),
})

export const videoCacheSchema = z.object({
  videos: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
})
export const clearedCacheSchema = z.object({ freedBytes: z.number().int().nonnegative() })
