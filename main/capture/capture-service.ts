import { createHash, randomBytes } from 'node:crypto'
import {
  type Capture,
  type CapturePart,
  type CaptureProgress,
  type Checks,
  type DocumentData,
  IMAGE_LIMITS,
  type ImageSlot,
  imageSlots,
  VIDEO_LIMITS,
  type VideoType,
} from '../../shared/capture'
import { type Case, isFinalStatus } from '../../shared/cases'
import type { UploadEntry } from '../../shared/decisions'
import { AppError } from '../../shared/errors'
import {
  type Attempt,
  createAttemptIndex,
  finalOf,
  settledBy,
  settleWindowEnd,
  tookEffect,
} from '../decisions/attempts'
import type { Journal } from '../decisions/journal'
import type { Logger } from '../log'
import type { ByteRange } from '../media/range'
import type { MediaSource } from '../media/sealed-stream'
import type { OneShotClient } from '../oneshot/client'
import { classifyByStatus, neverSent, type StatusEffect } from '../oneshot/outcome'
import { type Scope, sameScope, scopeKey } from '../scope'
import { type CaptureFiles, captureUnreadable, type StoredCapture } from './capture-files'
import { deskAddress } from './desk-address'
import { evidencesOf, SECURITY_CHECK_FIELDS } from './evidences'
import { imageInfo } from './image-info'

export type UploadPart = UploadEntry['part']
type StoredPrompt = NonNullable<StoredCapture['recording']>['prompts'][number]
const uploadParts: readonly UploadPart[] = ['evidences', 'video']

/**
 * The request statuses that show a part this desk sent landed, and those it is sent from. This desk
 * sends the evidences first, so `VIDEOINCOMPLETE` after them means they are in; the video then
 * completes the Video ID (`VIDEOREVIEW`), or the Optimizer finds it failed (`VIDEOERROR`). The video
 * goes only once the journal records the evidences in, so a `VIDEOPENDING` read then lags behind their
 * answer: the state before the video too. A status past a part settles only an attempt of it the
 * journal holds: with none, it is someone else's doing.
 */
export const UPLOAD_EFFECT: Readonly<Record<UploadPart, StatusEffect>> = {
  evidences: {
    tookEffect: ['VIDEOINCOMPLETE', 'VIDEOREVIEW', 'VIDEOERROR', 'CREATED', 'ENROLLREADY', 'ISSUED'],
    allowedFrom: ['VIDEOPENDING'],
  },
  video: {
    tookEffect: ['VIDEOREVIEW', 'VIDEOERROR', 'CREATED', 'ENROLLREADY', 'ISSUED'],
    allowedFrom: ['VIDEOPENDING', 'VIDEOINCOMPLETE'],
  },
}

/** A Video ID waiting for its video, or for the rest of it. */
const CAPTURABLE = ['VIDEOPENDING', 'VIDEOINCOMPLETE']
const PROGRESS_EVERY_MS = 250
/**
 * How long a recording's pieces count as the officer at the desk, from its start: an unattended
 * recording left running lets the desk lock then, rather than keep it open until the video's size limit.
 */
export const RECORDING_HOLDS_DESK_MS = 20 * 60_000

export interface CaptureServiceOptions {
  files: CaptureFiles
  cases: {
    get(videoidPk: number, scope: Scope): Promise<Case>
    /** Reads the case from the Optimizer now (and keeps what it read). */
    refresh(videoidPk: number, scope: Scope): Promise<Case>
  }
  journal: Pick<Journal, 'append' | 'entries' | 'load' | 'trusted'>
  oneshotFor: (scope: Scope) => Pick<OneShotClient, 'uploadEvidences' | 'uploadVideo'>
  /** The address and environment in use: each operation takes them once, at its start. */
  scope: () => Scope
  /** Whose credentials a scope holds: the officer an upload is journaled under. */
  officer: (scope: Scope) => Promise<string>
  /** How long a lost answer's status must show the part missing before it counts as not landed. */
  settleWindowMs: () => number
  /** How many days a capture left unchanged is kept while its Video ID waits (the retention setting). */
  retentionDays: () => number
  /** The largest video a capture keeps; the contract's limit unless a test lowers it. */
  maxVideoBytes?: number
  /** The RA's privacy policy and terms the signer accepts (settings). */
  documents: () => { privacyPolicyUrl: string; termsUrl: string }
  /** The URL the page loads a media path from (main's media protocol). */
  mediaUrl: (mediaPath: string) => string
  onProgress: (progress: CaptureProgress) => void
  /** A piece of a recording under way arrived within `RECORDING_HOLDS_DESK_MS` of its start: the officer is at work. */
  onRecording: () => void
  log: Logger
  deskAddress?: () => string
  now?: () => Date
}

/** What a video's first bytes are, for the container it says it is. */
const looksLike = (type: VideoType, head: Buffer) =>
  type === 'video/webm'
    ? head.subarray(0, 4).equals(Buffer.from([0x1a, 0x45, 0xdf, 0xa3]))
    : head.toString('latin1', 4, 8) === 'ftyp'

/** A write that failed on this computer (a full disk, a folder gone) is a storage error, never internal. */
async function stored<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (error) {
    if (error instanceof AppError) throw error
    throw new AppError(
      'storage',
      'The capture could not be saved on this computer.',
      (error as { code?: string }).code,
    )
  }
}

/** What an upload keeps from its start: where it goes, whose it is, and whether a resend was confirmed. */
interface UploadRun {
  scope: Scope
  officer: string
  resendConfirmed: boolean
  signal: AbortSignal
}

const uploadUnknown = (windowEndsAt: number) =>
  new AppError(
    'upload_unknown',
    'The upload did not get a clear answer, and the Video ID does not show yet whether it landed.',
    `settled by ${new Date(windowEndsAt).toISOString()} at the latest`,
  )

/**
 * Capture at the desk (One-Shot's external mode): the signer's acceptance, the document's images and
 * data, the checks and the video, kept sealed on this computer step by step so that closing the app
 * loses nothing, then uploaded (evidences, then the video, streamed from disk) exactly as a decision is
 * sent: the status read first, each part written ahead in the journal, a failed answer classified by
 * the status read again, a lost one settled by the status with the same settle window (one policy,
 * `decisions/attempts.ts`), never sent again blind. Only a Video ID this desk created, waiting for its
 * video, is captured here.
 */
export function createCaptureService(options: CaptureServiceOptions) {
  const { files, journal, log } = options
  const now = () => (options.now ?? (() => new Date()))()
  const keyOf = (scope: Scope, videoidPk: number) => `${scopeKey(scope)} ${videoidPk}`
  const takeKey = (scope: Scope, videoidPk: number, take: string) => `${keyOf(scope, videoidPk)} ${take}`
  /** Each capture's changes, one at a time: two saves at once never lose one another. */
  const queues = new Map<string, Promise<unknown>>()
  /** Takes being recorded by this process, with when each started; a take found unended otherwise was cut off. */
  const activeTakes = new Map<string, number>()
  /** Uploads under way, by the scope each took at its start. */
  const uploading = new Map<string, { videoidPk: number; abort: AbortController; done: Promise<unknown> }>()
  /** The capture screen's case, while it is open: camera and microphone are allowed only then. */
  let screen: { scope: Scope; videoidPk: number } | undefined

  function serially<T>(scope: Scope, videoidPk: number, task: () => Promise<T>): Promise<T> {
    const key = keyOf(scope, videoidPk)
    const next = (queues.get(key) ?? Promise.resolve()).then(task, task)
    const settled = next.catch(() => undefined)
    queues.set(key, settled)
    void settled.then(() => {
      if (queues.get(key) === settled) queues.delete(key)
    })
    return next
  }

  // --- the journal's record of the uploads ---

  const uploads = createAttemptIndex(
    'upload',
    () => journal.entries(),
    (seq) => journal.trusted(seq),
  )
  const attemptsOf = (scope: Scope, videoidPk: number, part: UploadPart): Attempt<UploadEntry>[] =>
    uploads.ofCase(scope, videoidPk).filter((attempt) => attempt.intended.part === part)

  /**
   * Where a part stands: landed (answered, or settled by the status), sent with its fate unknown (a lost
   * answer, a killed app), never confirmed by an answer and shown missing throughout the settle window
   * (sending it again needs the officer's say), or not sent.
   */
  function partState(scope: Scope, videoidPk: number, part: UploadPart): Capture['upload'][UploadPart] {
    const all = attemptsOf(scope, videoidPk, part)
    if (all.some(tookEffect)) return 'done'
    if (all.some((attempt) => !finalOf(attempt))) return 'unknown'
    const last = all.at(-1)
    return last && finalOf(last)?.phase === 'settled_not_done' ? 'unconfirmed' : 'pending'
  }

  function uploadState(scope: Scope, videoidPk: number): Capture['upload'] {
    const unsettled = uploadParts
      .flatMap((part) => attemptsOf(scope, videoidPk, part))
      .filter((each) => !finalOf(each))
    const settledBy = Math.max(...unsettled.map((each) => settleWindowEnd(each, options.settleWindowMs())))
    return {
      evidences: partState(scope, videoidPk, 'evidences'),
      video: partState(scope, videoidPk, 'video'),
      ...(unsettled.length ? { settledBy: new Date(settledBy).toISOString() } : {}),
    }
  }

  const createdHere = (scope: Scope, videoidPk: number) =>
    journal
      .entries()
      .some(
        (entry) =>
          entry.type === 'creation' &&
          entry.phase === 'created' &&
          entry.videoidPk === videoidPk &&
          entry.optimizer !== undefined &&
          entry.environment !== undefined &&
          sameScope(entry as Scope, scope),
      )

  // --- the capture as the page sees it ---

  function missingOf(capture: StoredCapture): CapturePart[] {
    const rearNeeded = capture.document?.idDocumentType !== 'PAS'
    return [
      ...(capture.acceptance ? [] : (['acceptance'] as const)),
      ...imageSlots.filter((slot) => !capture.images[slot] && (slot !== 'document_rear' || rearNeeded)),
      ...(capture.document ? [] : (['document'] as const)),
      ...(capture.checks ? [] : (['checks'] as const)),
      ...(capture.recording?.ended && capture.recording.bytes ? [] : (['recording'] as const)),
    ]
  }

  function view(capture: StoredCapture, scope: Scope): Capture {
    const { videoidPk } = capture
    const media = (what: string, version: string) =>
      options.mediaUrl(`/capture/${videoidPk}/${what}?v=${version.slice(0, 16)}`)
    const { recording } = capture
    return {
      videoidPk,
      requestPk: capture.requestPk,
      startedAt: capture.startedAt,
      ...(capture.acceptance ? { acceptance: capture.acceptance } : {}),
      images: Object.fromEntries(
        imageSlots.flatMap((slot) => {
          const image = capture.images[slot]
          if (!image) return []
          const { sha256, ...shown } = image
          return [[slot, { ...shown, url: media(`image/${slot}`, sha256) }]]
        }),
      ),
      ...(capture.document ? { document: capture.document } : {}),
      ...(capture.checks ? { checks: capture.checks } : {}),
      ...(recording
        ? {
            recording: {
              take: recording.take,
              type: recording.type,
              ...(recording.codecs ? { codecs: recording.codecs } : {}),
              source: recording.source,
              startedAt: recording.startedAt,
              ...(recording.endedAt ? { endedAt: recording.endedAt } : {}),
              ...(recording.ended ? { ended: recording.ended } : {}),
              ...(recording.durationMs === undefined ? {} : { durationMs: recording.durationMs }),
              bytes: recording.bytes ?? 0,
              prompts: recording.prompts,
              ...(recording.devices ? { devices: recording.devices } : {}),
              url: media('video', recording.sha256 ?? recording.take),
            },
          }
        : {}),
      missing: missingOf(capture),
      upload: uploadState(scope, videoidPk),
    }
  }

  // --- the capture on disk ---

  /** A take's size and SHA-256, read once through its sealed pieces. */
  async function fingerprint(scope: Scope, videoidPk: number, take: string) {
    const hash = createHash('sha256')
    let bytes = 0
    for await (const piece of files.stream(scope, videoidPk, take)) {
      hash.update(piece)
      bytes += piece.length
    }
    return { bytes, sha256: hash.digest('hex') }
  }

  /**
   * Ends what a take not being recorded by this process holds (the app closed, or the page went,
   * mid-recording): what was recorded so far is kept, as interrupted; a take with nothing is dropped.
   */
  async function endCutOff(capture: StoredCapture, scope: Scope): Promise<StoredCapture> {
    const recording = capture.recording
    if (!recording || recording.ended || activeTakes.has(takeKey(scope, capture.videoidPk, recording.take)))
      return capture
    const { bytes, sha256 } = await fingerprint(scope, capture.videoidPk, recording.take)
    if (!bytes) {
      await files.removeTake(scope, capture.videoidPk, recording.take)
      const { recording: _dropped, ...rest } = capture
      await stored(() => files.write(rest))
      return rest
    }
    const ended: StoredCapture = {
      ...capture,
      recording: { ...recording, ended: 'interrupted', endedAt: now().toISOString(), bytes, sha256 },
    }
    await stored(() => files.write(ended))
    log.warn('a recording cut off was kept as it was', { videoidPk: capture.videoidPk, bytes })
    return ended
  }

  /** The capture of a case: the one kept, or a new one where this desk may capture the case. */
  async function loadOrStart(scope: Scope, videoidPk: number): Promise<StoredCapture> {
    const kept = await files.read(scope, videoidPk)
    if (kept) return endCutOff(kept, scope)
    const item = await options.cases.get(videoidPk, scope)
    if (!createdHere(scope, videoidPk))
      throw new AppError(
        'capture_not_allowed',
        'Only a Video ID created at this desk is captured here: its signer may be recording it on the Video ID page.',
      )
    if (!CAPTURABLE.includes(item.status))
      throw new AppError('capture_not_allowed', 'This Video ID is not waiting for its video.', item.status)
    return { ...scope, videoidPk, requestPk: item.requestPk, startedAt: now().toISOString(), images: {} }
  }

  async function requireCapture(scope: Scope, videoidPk: number): Promise<StoredCapture> {
    const kept = await files.read(scope, videoidPk)
    if (!kept) throw new AppError('not_found', 'There is no capture for this Video ID on this computer.')
    return kept
  }

  function refuseWhileUploading(scope: Scope, videoidPk: number): void {
    if (uploading.has(keyOf(scope, videoidPk)))
      throw new AppError('upload_in_flight', 'This capture is being uploaded.')
  }

  /**
   * Changes a capture, one change at a time, and writes it; refused while it is being uploaded. The
   * journal is read first: what it records sent fixes parts of the capture, and a journal that cannot be
   * read changes nothing.
   */
  function change(
    videoidPk: number,
    edit: (capture: StoredCapture, scope: Scope) => Promise<StoredCapture | undefined>,
  ): Promise<Capture> {
    const scope = options.scope()
    return serially(scope, videoidPk, async () => {
      refuseWhileUploading(scope, videoidPk)
      await journal.load()
      const capture = await loadOrStart(scope, videoidPk)
      const changed = { ...((await edit(capture, scope)) ?? capture), changedAt: now().toISOString() }
      await stored(() => files.write(changed))
      return view(changed, scope)
    })
  }

  /** The evidences' parts are fixed once the evidences are on the Optimizer. */
  function refuseAfterEvidences(scope: Scope, videoidPk: number): void {
    if (partState(scope, videoidPk, 'evidences') !== 'pending')
      throw new AppError(
        'evidences_sent',
        'The evidences were sent to the Optimizer already: what they carry is not changed here.',
      )
  }

  // --- the upload ---

  function progress(videoidPk: number, state: CaptureProgress['state']): void {
    options.onProgress({ videoidPk, state })
  }

  async function statusNow(scope: Scope, videoidPk: number): Promise<string | undefined> {
    const read = await options.cases.refresh(videoidPk, scope).catch(() => undefined)
    return read && read.status !== 'UNKNOWN' ? read.status : undefined
  }

  /** What the journal keeps of a part sent: how the capture was made, never the signer's data. */
  function sentOf(capture: StoredCapture, part: UploadPart): UploadEntry['sent'] {
    if (part === 'video') {
      const recording = capture.recording
      return recording
        ? {
            type: recording.type,
            ...(recording.codecs ? { codecs: recording.codecs } : {}),
            ...(recording.bytes === undefined ? {} : { bytes: recording.bytes }),
            ...(recording.sha256 ? { sha256: recording.sha256 } : {}),
            source: recording.source,
            startedAt: recording.startedAt,
            ...(recording.durationMs === undefined ? {} : { durationMs: recording.durationMs }),
            ...(recording.ended ? { ended: recording.ended } : {}),
            prompts: recording.prompts,
          }
        : {}
    }
    const { similarityLevel, ...ticked } = capture.checks ?? ({} as Checks)
    return {
      ...(capture.acceptance ? { acceptedAt: capture.acceptance.acceptedAt } : {}),
      securityChecks: Object.fromEntries(
        Object.entries(ticked).map(([check, value]) => [
          SECURITY_CHECK_FIELDS[check as keyof typeof SECURITY_CHECK_FIELDS],
          value,
        ]),
      ),
      ...(similarityLevel === undefined ? {} : { similarityLevel }),
      images: Object.fromEntries(
        imageSlots.flatMap((slot) => {
          const image = capture.images[slot]
          return image ? [[slot, { sha256: image.sha256, source: image.source, takenAt: image.takenAt }]] : []
        }),
      ),
    }
  }

  async function sendEvidences(capture: StoredCapture, scope: Scope, signal: AbortSignal) {
    const images: Partial<Record<ImageSlot, Buffer>> = {}
    for (const slot of imageSlots) {
      const image = await files.readImage(scope, capture.videoidPk, slot)
      if (image) images[slot] = image
    }
    const { acceptance, document, checks } = capture
    if (!acceptance || !document || !checks)
      throw new AppError('capture_incomplete', 'The capture is incomplete.')
    progress(capture.videoidPk, { phase: 'evidences' })
    await options
      .oneshotFor(scope)
      .uploadEvidences(capture.videoidPk, evidencesOf({ acceptance, document, checks }, images), signal)
  }

  async function sendVideo(capture: StoredCapture, scope: Scope, signal: AbortSignal) {
    const recording = capture.recording
    if (!recording?.bytes) throw new AppError('capture_incomplete', 'The capture has no video.')
    const { videoidPk } = capture
    let reported = 0
    await options.oneshotFor(scope).uploadVideo(
      videoidPk,
      {
        filename: `video-${videoidPk}.${recording.type === 'video/webm' ? 'webm' : 'mp4'}`,
        type: recording.type,
        size: recording.bytes,
        read: () => files.stream(scope, videoidPk, recording.take),
      },
      {
        signal,
        onProgress: ({ bytes, total }) => {
          if (bytes < (total ?? 0) && Date.now() - reported < PROGRESS_EVERY_MS) return
          reported = Date.now()
          progress(videoidPk, { phase: 'video', bytes, total: total ?? recording.bytes ?? 0 })
        },
      },
    )
  }

  /**
   * Sends one part, unless the journal records it landed. An earlier attempt whose answer was lost is
   * settled by the status first, as a decision is: its effect (landed), a state it cannot be sent from,
   * or the state before it for the whole settle window (not landed); otherwise nothing is sent and the
   * upload says so. A part never confirmed by an answer is sent again only when the officer says so.
   * With no attempt of its own, a status past the part is someone else's doing: nothing is sent, and
   * the capture is kept. Then `intended` is journaled, the part sent, and a failure classified by the
   * status read again. Answers the status after it.
   */
  async function sendPart(
    part: UploadPart,
    capture: StoredCapture,
    status: string,
    run: UploadRun,
  ): Promise<string> {
    const { scope, signal } = run
    const { videoidPk, requestPk } = capture
    const effect = UPLOAD_EFFECT[part]
    const attempts = attemptsOf(scope, videoidPk, part)
    // On the Optimizer by this desk's hand: never sent again.
    if (attempts.some(tookEffect)) return status
    const outcome = (intended: UploadEntry, phase: UploadEntry['phase'], extra: Partial<UploadEntry> = {}) =>
      journal.append({
        type: 'upload',
        officer: intended.officer,
        optimizer: scope.optimizer,
        environment: scope.environment,
        videoidPk,
        requestPk: intended.requestPk,
        part,
        phase,
        attempt: intended.seq,
        ...extra,
      })
    for (const pending of attempts.filter((attempt) => !finalOf(attempt))) {
      const windowEndsAt = settleWindowEnd(pending, options.settleWindowMs())
      const settled = settledBy(status, effect, now().getTime(), windowEndsAt)
      if (!settled) throw uploadUnknown(windowEndsAt)
      await outcome(pending.intended, settled, { status })
      log.info('upload settled by the request status', { videoidPk, part, status })
      if (settled === 'settled_done') return status
    }
    if (!effect.allowedFrom.includes(status))
      throw new AppError('wrong_state', 'This Video ID is not in a state that allows this upload.', status)
    // Read again: the index takes in the outcomes just written when asked.
    const last = attemptsOf(scope, videoidPk, part).at(-1)
    const resendOf = last && finalOf(last)?.phase === 'settled_not_done' ? last.intended.seq : undefined
    if (resendOf && !run.resendConfirmed)
      throw new AppError(
        'resend_unconfirmed',
        'The earlier upload of this part was never confirmed by an answer. Confirm that you want to send it again.',
        part,
      )
    // Cancelled between two parts: the next one is not written ahead, as it is not sent.
    if (signal.aborted) throw new AppError('cancelled', 'The operation was cancelled.')

    const intended = (await journal.append({
      type: 'upload',
      officer: run.officer,
      optimizer: scope.optimizer,
      environment: scope.environment,
      videoidPk,
      requestPk,
      part,
      phase: 'intended',
      ...(resendOf ? { resendOf } : {}),
      settleWindowMs: options.settleWindowMs(),
      sent: sentOf(capture, part),
    })) as UploadEntry
    try {
      if (part === 'evidences') await sendEvidences(capture, scope, signal)
      else await sendVideo(capture, scope, signal)
    } catch (thrown) {
      const error = thrown instanceof AppError ? thrown : new AppError('internal', 'The upload failed.')
      const after = neverSent(error) ? undefined : await statusNow(scope, videoidPk)
      const classified = classifyByStatus(error, after, effect)
      if (classified.phase === 'settled_done') {
        await outcome(intended, 'settled_done', { status: classified.status, errorCode: error.code })
        log.info('upload settled by the request status', { videoidPk, part, status: classified.status })
        return classified.status
      }
      const written = await outcome(intended, classified.phase, {
        errorCode: classified.errorCode,
        ...(after ? { status: after } : {}),
      })
      if (classified.phase !== 'unknown' || error.code === 'cancelled') throw error
      throw uploadUnknown(
        settleWindowEnd({ intended, outcomes: [written as UploadEntry] }, options.settleWindowMs()),
      )
    }
    await outcome(intended, 'done')
    return (await statusNow(scope, videoidPk)) ?? (part === 'evidences' ? 'VIDEOINCOMPLETE' : 'VIDEOREVIEW')
  }

  function upload(videoidPk: number, resendConfirmed = false): Promise<{ case: Case }> {
    const scope = options.scope()
    const key = keyOf(scope, videoidPk)
    if (uploading.has(key))
      return Promise.reject(new AppError('upload_in_flight', 'This capture is being uploaded.'))
    const abort = new AbortController()
    const done = uploadOnce(videoidPk, { scope, resendConfirmed, signal: abort.signal }).finally(() => {
      uploading.delete(key)
      progress(videoidPk, { phase: 'idle' })
    })
    uploading.set(key, { videoidPk, abort, done })
    return done
  }

  async function uploadOnce(videoidPk: number, start: Omit<UploadRun, 'officer'>): Promise<{ case: Case }> {
    const { scope } = start
    // Whose upload it is, read once: a change of environment meanwhile does not change it.
    const run: UploadRun = { ...start, officer: await options.officer(scope) }
    // Waits for a change under way, so the upload sends the capture as it was left.
    const capture = await serially(scope, videoidPk, () => requireCapture(scope, videoidPk))
    const missing = missingOf(capture)
    if (missing.length)
      throw new AppError('capture_incomplete', 'Some of the capture is still missing.', missing.join(', '))
    // A recording whose pieces no longer add up to what was kept (one gone, one cut) is damaged: a body
    // shorter than the size it states is never sent.
    const { recording } = capture
    if (recording && (await files.measured(scope, videoidPk, recording.take)).bytes !== recording.bytes)
      throw captureUnreadable()
    await journal.load()
    // The status now, not as the book last read it: it says which parts are in, whatever answers were lost.
    let status = (await options.cases.refresh(videoidPk, scope)).status
    status = await sendPart('evidences', capture, status, run)
    status = await sendPart('video', capture, status, run)
    log.info('capture uploaded', { videoidPk, status })
    // On the Optimizer now, both parts by this desk's hand: the images and the recording leave this computer.
    await files.remove(scope, videoidPk)
    return { case: await options.cases.get(videoidPk, scope) }
  }

  return {
    /** Opens the capture screen on a case: the capture kept, or a new one; camera and microphone allowed. */
    async open(videoidPk: number): Promise<Capture> {
      const scope = options.scope()
      const capture = await serially(scope, videoidPk, async () => {
        // A screen that opens records nothing yet: a take still under way was cut off (the page went).
        // In the capture's queue, so that what the page sent before opening is kept first.
        const prefix = `${keyOf(scope, videoidPk)} `
        for (const take of activeTakes.keys()) if (take.startsWith(prefix)) activeTakes.delete(take)
        // What the journal records sent decides what the page may still change.
        await journal.load()
        return loadOrStart(scope, videoidPk)
      })
      screen = { scope, videoidPk }
      return view(capture, scope)
    },

    /** The capture screen closed, or the page it was on went (a reload): camera and microphone are refused again. */
    close(): null {
      screen = undefined
      return null
    },

    /** Whether the capture screen is open, for the permission handlers. */
    screenOpen: () => screen !== undefined && sameScope(screen.scope, options.scope()),

    save(input: {
      videoidPk: number
      acceptance?: { userAgent: string }
      document?: DocumentData
      checks?: Checks
    }): Promise<Capture> {
      return change(input.videoidPk, async (capture, scope) => {
        refuseAfterEvidences(scope, input.videoidPk)
        const next = { ...capture }
        if (input.acceptance) {
          const { privacyPolicyUrl, termsUrl } = options.documents()
          if (!privacyPolicyUrl || !termsUrl)
            throw new AppError(
              'acceptance_urls_missing',
              'The addresses of the privacy policy and the terms are not set.',
            )
          next.acceptance = {
            acceptedAt: now().toISOString(),
            ip: (options.deskAddress ?? deskAddress)(),
            userAgent: input.acceptance.userAgent,
            privacyPolicyUrl,
            termsUrl,
          }
        }
        if (input.document) next.document = input.document
        if (input.checks) next.checks = input.checks
        return next
      })
    },

    /** Keeps an image, checked: a JPEG or PNG, not too large, not too small. */
    saveImage(input: { videoidPk: number; slot: ImageSlot; source: 'camera' | 'file'; data: string }) {
      return change(input.videoidPk, async (capture, scope) => {
        refuseAfterEvidences(scope, input.videoidPk)
        const data = Buffer.from(input.data, 'base64')
        const info = imageInfo(data)
        if (!info) throw new AppError('not_an_image', 'This is not a JPEG or PNG image.')
        if (data.length > IMAGE_LIMITS.maxBytes || Math.max(info.width, info.height) > IMAGE_LIMITS.maxSide)
          throw new AppError('image_too_large', 'The image is too large.', `${info.width}×${info.height}`)
        if (Math.min(info.width, info.height) < IMAGE_LIMITS.minSide)
          throw new AppError('image_too_small', 'The image is too small.', `${info.width}×${info.height}`)
        await stored(() => files.writeImage(scope, input.videoidPk, input.slot, data))
        return {
          ...capture,
          images: {
            ...capture.images,
            [input.slot]: {
              source: input.source,
              ...info,
              bytes: data.length,
              takenAt: now().toISOString(),
              sha256: createHash('sha256').update(data).digest('hex'),
            },
          },
        }
      })
    },

    removeImage(videoidPk: number, slot: ImageSlot) {
      return change(videoidPk, async (capture, scope) => {
        refuseAfterEvidences(scope, videoidPk)
        await files.removeImage(scope, videoidPk, slot)
        const { [slot]: _removed, ...images } = capture.images
        return { ...capture, images }
      })
    },

    /** Starts a recording (or a file's pieces): one at a time; a kept one is discarded first. */
    async startVideo(input: {
      videoidPk: number
      type: VideoType
      codecs?: string
      source: 'camera' | 'file'
      devices?: { camera?: string; microphone?: string }
    }): Promise<{ take: string }> {
      const take = randomBytes(8).toString('hex')
      await change(input.videoidPk, async (capture, scope) => {
        if (capture.recording)
          throw new AppError('invalid_input', 'There is a recording already: record again to replace it.')
        activeTakes.set(takeKey(scope, input.videoidPk, take), now().getTime())
        return {
          ...capture,
          recording: {
            take,
            type: input.type,
            ...(input.codecs ? { codecs: input.codecs } : {}),
            source: input.source,
            startedAt: now().toISOString(),
            prompts: [],
            ...(input.devices ? { devices: input.devices } : {}),
          },
        }
      })
      return { take }
    },

    /**
     * One piece of the video under way, sealed and flushed before it is acknowledged; the prompts shown
     * so far are kept with the take as they grow, so that a recording cut off keeps their times.
     */
    appendVideo(input: {
      videoidPk: number
      take: string
      index: number
      data: string
      prompts?: StoredPrompt[]
    }) {
      const scope = options.scope()
      return serially(scope, input.videoidPk, async () => {
        const capture = await requireCapture(scope, input.videoidPk)
        const recording = capture.recording
        if (recording?.take !== input.take || recording.ended)
          throw new AppError('invalid_input', 'This recording has ended.')
        const startedAt = activeTakes.get(takeKey(scope, input.videoidPk, input.take))
        if (startedAt !== undefined && now().getTime() - startedAt < RECORDING_HOLDS_DESK_MS)
          options.onRecording()
        const data = Buffer.from(input.data, 'base64')
        if (input.index === 0 && !looksLike(recording.type, data))
          throw new AppError('not_a_video', `This is not a ${recording.type} video.`)
        const before = await files.recorded(scope, input.videoidPk, input.take)
        const grows = input.index >= before.pieces
        if (grows && before.bytes + data.length > (options.maxVideoBytes ?? VIDEO_LIMITS.maxBytes))
          throw new AppError('video_too_large', 'The video is too large.')
        // A piece sent again (its answer lost in the page) is kept once, if it is the same.
        await stored(() => files.writePiece(scope, input.videoidPk, input.take, input.index, data))
        if (input.prompts && input.prompts.length > recording.prompts.length)
          await stored(() =>
            files.write({ ...capture, recording: { ...recording, prompts: input.prompts ?? [] } }),
          )
        return { bytes: (await files.recorded(scope, input.videoidPk, input.take)).bytes }
      })
    },

    /** The video under way ended: what it holds is kept (a recording cut short too), with its prompts' times. */
    endVideo(input: {
      videoidPk: number
      take: string
      ended: 'stopped' | 'device_lost' | 'failed' | 'file'
      durationMs?: number
      prompts: StoredPrompt[]
    }): Promise<Capture> {
      return change(input.videoidPk, async (capture, scope) => {
        const recording = capture.recording
        if (recording?.take !== input.take) throw new AppError('invalid_input', 'This recording is not kept.')
        activeTakes.delete(takeKey(scope, input.videoidPk, input.take))
        if (recording.ended) return capture
        const { bytes, sha256 } = await fingerprint(scope, input.videoidPk, input.take)
        if (!bytes) {
          await files.removeTake(scope, input.videoidPk, input.take)
          const { recording: _nothing, ...rest } = capture
          return rest
        }
        return {
          ...capture,
          recording: {
            ...recording,
            ended: input.ended,
            endedAt: now().toISOString(),
            ...(input.durationMs === undefined ? {} : { durationMs: input.durationMs }),
            prompts: input.prompts,
            bytes,
            sha256,
          },
        }
      })
    },

    /** Drops the recording kept, to record again. */
    discardVideo(videoidPk: number): Promise<Capture> {
      return change(videoidPk, async (capture, scope) => {
        if (partState(scope, videoidPk, 'video') !== 'pending')
          throw new AppError('wrong_state', 'The video was sent to the Optimizer, or may have been.')
        if (!capture.recording) return capture
        activeTakes.delete(takeKey(scope, videoidPk, capture.recording.take))
        await files.removeTake(scope, videoidPk, capture.recording.take)
        const { recording: _dropped, ...rest } = capture
        return rest
      })
    },

    upload,

    /**
     * Stops the upload under way of a Video ID, in whichever scope it started (the settings may have
     * changed since); its fate is then read from the status before anything is sent again.
     */
    cancelUpload(videoidPk: number): { cancelled: boolean } {
      const running = [...uploading.values()].filter((each) => each.videoidPk === videoidPk)
      for (const { abort } of running) abort.abort()
      return { cancelled: running.length > 0 }
    },

    /** Stops every upload under way (the app is quitting) and waits for each to write its outcome. */
    async stop(): Promise<void> {
      const running = [...uploading.values()]
      for (const { abort } of running) abort.abort()
      await Promise.allSettled(running.map(({ done }) => done))
    },

    /**
     * Deletes a capture and everything it holds, while nothing of it is, or may be, on the Optimizer: a
     * part landed or whose answer was lost keeps it until the upload is done.
     */
    abandon(videoidPk: number): Promise<null> {
      const scope = options.scope()
      return serially(scope, videoidPk, async () => {
        refuseWhileUploading(scope, videoidPk)
        await journal.load()
        const upload = uploadState(scope, videoidPk)
        if (uploadParts.some((part) => upload[part] === 'done' || upload[part] === 'unknown'))
          throw new AppError(
            'capture_sent',
            'Part of this capture is, or may be, on the Optimizer: it is kept until its upload is done.',
          )
        await files.remove(scope, videoidPk)
        log.info('capture abandoned', { videoidPk })
        return null
      })
    },

    /** A capture's image, opened, for the media protocol; undefined where there is none. */
    async image(videoidPk: number, slot: ImageSlot): Promise<Buffer | undefined> {
      return files.readImage(options.scope(), videoidPk, slot)
    },

    /** A capture's recording, for the media protocol to play: read piece by piece, never whole. */
    async source(videoidPk: number): Promise<MediaSource | undefined> {
      const scope = options.scope()
      const capture = await files.read(scope, videoidPk)
      const recording = capture?.recording
      if (!recording?.ended || !recording.bytes) return undefined
      const { take } = recording
      return {
        size: recording.bytes,
        type: recording.type,
        stream: (range: ByteRange) => {
          const pieces = files.stream(scope, videoidPk, take, range)
          return new ReadableStream<Uint8Array>(
            {
              async pull(controller) {
                try {
                  const next = await pieces.next()
                  if (next.done) controller.close()
                  else controller.enqueue(next.value)
                } catch (error) {
                  controller.error(error)
                }
              },
              async cancel() {
                await pieces.return(undefined)
              },
            },
            { highWaterMark: 0 },
          )
        },
      }
    },

    /**
     * Deletes the captures whose Video ID is final or no longer in the book (nothing more can be sent of
     * them), and those left unchanged for longer than the retention's days while it waits: they hold a
     * face and a document, kept only while needed. One being uploaded, or that cannot be read, is left.
     */
    async purge(
      book: readonly {
        optimizer: string
        environment: Scope['environment']
        videoidPk: number
        status: string
      }[],
    ) {
      let purged = 0
      const keepSince = now().getTime() - options.retentionDays() * 86_400_000
      for (const { folder, capture } of await files.all()) {
        if (!capture || uploading.has(keyOf(capture, capture.videoidPk))) continue
        const item = book.find((entry) => entry.videoidPk === capture.videoidPk && sameScope(entry, capture))
        const left = Date.parse(capture.changedAt ?? capture.startedAt) < keepSince
        if (item && !isFinalStatus(item.status) && !left) continue
        await files.removeFolder(folder)
        purged++
      }
      if (purged) log.info('captures of final cases, or left unchanged, deleted', { captures: purged })
      return purged
    },
  }
}

export type CaptureService = ReturnType<typeof createCaptureService>
