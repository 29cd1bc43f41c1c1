import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { evidencesOf } from '../../../main/capture/evidences'
import type { AppError } from '../../../shared/errors'
import { VIDEOS } from '../../simulator/seed'
import { eachTestWorld, OFFICER } from '../vault/fixtures'
import {
  type CaptureApp,
  CHECKS,
  captureAll,
  captureApp,
  capturesFolder,
  createdHere,
  IMAGES,
  record,
  USER_AGENT,
  WEBM,
  wallClock,
} from './fixtures'

// A capture's upload through the app's own services, against the simulator over real HTTP: written ahead
// in the journal part by part, and a lost answer settled by the request's status as a decision is.
const world = eachTestWorld()

const b64 = (data: Buffer) => data.toString('base64')
const uploadPhases = async (app: CaptureApp) =>
  (await app.handlers.getJournal(undefined)).entries.flatMap((entry) =>
    entry.type === 'upload' ? [[entry.part, entry.phase]] : [],
  )
const uploadEntries = async (app: CaptureApp) =>
  (await app.handlers.getJournal(undefined)).entries.flatMap((entry) =>
    entry.type === 'upload' ? [entry] : [],
  )
const sent = (path: string) =>
  world.simulator.requests.filter((request) => request.method === 'POST' && request.path.endsWith(path))
    .length
/** The error an action ends with (a handler answers a value or a promise of one). */
const failure = (outcome: unknown) =>
  Promise.resolve(outcome).then(
    () => {
      throw new Error('expected a failure')
    },
    (error: AppError) => error,
  )
const target = (videoidPk: number) => {
  const found = world.simulator.state.cases.get(videoidPk)
  if (!found) throw new Error(`the simulator has no case ${videoidPk}`)
  return found
}
const until = async (condition: () => boolean | Promise<boolean>) => {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 5))
}
/** Longer than the settle window in force (the setting's default, 10 minutes). */
const PAST_THE_WINDOW = 11 * 60_000

describe('the upload of a capture', () => {
  it('sends the evidences as the reference names them and the recording as it was made, then the case is in review', async () => {
    const { app, progress } = captureApp(world)
    const created = await createdHere(app)
    const captured = await captureAll(app, created.videoidPk)
    expect(captured.missing).toEqual([])
    expect(captured.recording).toMatchObject({ type: 'video/webm', bytes: WEBM.length, ended: 'stopped' })

    const { case: uploaded } = await app.handlers.uploadCapture({ videoidPk: created.videoidPk })
    expect(uploaded.status).toBe('VIDEOREVIEW')
    const on = target(created.videoidPk)
    // The body the simulator accepted, field by field, written out by hand from the reference.
    expect(on.evidences).toEqual({
      acceptance: {
        description:
          'User Accepted Terms and Conditions and Privacy Policy at the registration authority desk',
        'url-doc-privacypolicy': 'https://ra.example/privacy',
        ip: expect.stringMatching(/^[\d.:a-f]+$/),
        'user-agent': USER_AGENT,
        date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        'url-doc-termsconditions': 'https://ra.example/terms',
      },
      videoid_data: {
        images: {
          document_front: b64(IMAGES.document_front),
          document_rear: b64(IMAGES.document_rear),
          document_photo: b64(IMAGES.document_photo),
          document_owner: b64(IMAGES.document_owner),
        },
        ocr_data: {
          given_name: 'Irene',
          surname_1: 'Quintanilla',
          surname_2: 'Ybarra',
          mobile_phone_number: '+34600111222',
          email: 'irene.quintanilla@example.org',
          serial_number: '73920416X',
          id_document_type: 'IDC',
          id_document_country: 'ES',
        },
        security_checks: {
          otp_validation: false,
          documents_match: true,
          data_integrity: true,
          document_notcopy: true,
          document_notexpired: true,
          document_notunderage: true,
          liveliness: true,
        },
        similarity_level: 87,
      },
    })
    expect(on.video?.contentType).toBe('video/webm')
    expect(readFileSync(on.video?.file ?? '')).toEqual(WEBM)
    expect(sent('/evidences')).toBe(1)
    expect(sent('/video')).toBe(1)

    // Written ahead, part by part, with what was sent: never the signer's data.
    expect(await uploadPhases(app)).toEqual([
      ['evidences', 'intended'],
      ['evidences', 'done'],
      ['video', 'intended'],
      ['video', 'done'],
    ])
    const video = (await uploadEntries(app)).find((entry) => entry.part === 'video')
    expect(video).toMatchObject({
      officer: OFFICER.username,
      settleWindowMs: 600_000,
      sent: {
        type: 'video/webm',
        bytes: WEBM.length,
        source: 'camera',
        ended: 'stopped',
        prompts: [
          { prompt: 'document_front', atMs: 0 },
          { prompt: 'document_rear', atMs: 1000 },
          { prompt: 'turn_head', atMs: 2000 },
        ],
      },
    })
    const journalText = readFileSync(`${world.dataDir}/decision-journal.jsonl`, 'utf8')
    for (const personal of ['Quintanilla', '73920416X', b64(IMAGES.document_front).slice(0, 64)])
      expect(journalText).not.toContain(personal)

    // Progress went up to the whole video, then idle.
    const videoProgress = progress.flatMap((event) => (event.state.phase === 'video' ? [event.state] : []))
    expect(videoProgress.at(-1)).toEqual({ phase: 'video', bytes: WEBM.length, total: WEBM.length })
    expect(progress.at(-1)?.state).toEqual({ phase: 'idle' })
    // Uploaded: the images and the recording leave this computer.
    expect(readdirSync(capturesFolder(world.dataDir))).toEqual([])
    await app.close()
  })

  it('settles a lost answer to the evidences by the status: not sent again, and the video follows', async () => {
    const { app } = captureApp(world)
    const created = await createdHere(app)
    await captureAll(app, created.videoidPk)
    // Handled, then the answer is cut off.
    world.simulator.inject({ route: 'POST /videoid/*/evidences', fault: { kind: 'reset' } })
    const { case: uploaded } = await app.handlers.uploadCapture({ videoidPk: created.videoidPk })
    expect(uploaded.status).toBe('VIDEOREVIEW')
    expect(sent('/evidences')).toBe(1)
    expect(await uploadPhases(app)).toEqual([
      ['evidences', 'intended'],
      ['evidences', 'settled_done'],
      ['video', 'intended'],
      ['video', 'done'],
    ])
    await app.close()
  })

  it('never sends again blind: a lost answer waits for a status that shows it, however often it is asked', async () => {
    const { app } = captureApp(world)
    const created = await createdHere(app)
    const { videoidPk } = created
    await captureAll(app, videoidPk)

    // The request arrives and the connection drops with nothing done yet: outcome unknown.
    world.simulator.inject({ route: 'POST /videoid/*/evidences', fault: { kind: 'drop' } })
    const lost = await failure(app.handlers.uploadCapture({ videoidPk }))
    expect(lost.code).toBe('upload_unknown')
    const unknown = await app.handlers.openCapture({ videoidPk })
    expect(unknown.upload).toMatchObject({ evidences: 'unknown', video: 'pending' })
    expect(lost.detail).toBe(`settled by ${unknown.upload.settledBy} at the latest`)
    // The Optimizer did it after all, and its status lags: one read showing the state before is no proof
    // that it did not, so nothing is sent, again and again.
    target(videoidPk).hasEvidences = true
    for (let again = 0; again < 2; again++)
      expect((await failure(app.handlers.uploadCapture({ videoidPk }))).code).toBe('upload_unknown')
    expect(sent('/evidences')).toBe(1)
    expect(sent('/video')).toBe(0)
    // Its status shows it now: settled as landed, and only the video follows.
    target(videoidPk).status = 'VIDEOINCOMPLETE'
    const { case: uploaded } = await app.handlers.uploadCapture({ videoidPk })
    expect(uploaded.status).toBe('VIDEOREVIEW')
    expect(sent('/evidences')).toBe(1)
    expect(sent('/video')).toBe(1)
    expect(await uploadPhases(app)).toEqual([
      ['evidences', 'intended'],
      ['evidences', 'unknown'],
      ['evidences', 'settled_done'],
      ['video', 'intended'],
      ['video', 'done'],
    ])
    await app.close()
  })

  it('a lost answer shown missing for the whole settle window is sent again only once the officer confirms it', async () => {
    const clock = wallClock()
    const { app } = captureApp(world, { now: clock.now })
    const created = await createdHere(app)
    const { videoidPk } = created
    await captureAll(app, videoidPk)
    world.simulator.inject({ route: 'POST /videoid/*/evidences', fault: { kind: 'drop' } })
    await failure(app.handlers.uploadCapture({ videoidPk }))

    clock.advance(PAST_THE_WINDOW)
    const unconfirmed = await failure(app.handlers.uploadCapture({ videoidPk }))
    expect(unconfirmed).toMatchObject({ code: 'resend_unconfirmed', detail: 'evidences' })
    expect(sent('/evidences')).toBe(1)
    expect((await app.handlers.openCapture({ videoidPk })).upload).toEqual({
      evidences: 'unconfirmed',
      video: 'pending',
    })
    // Never confirmed by an answer, and not on the Optimizer as far as it says: not discarded either way.
    const { case: uploaded } = await app.handlers.uploadCapture({ videoidPk, resendConfirmed: true })
    expect(uploaded.status).toBe('VIDEOREVIEW')
    expect(sent('/evidences')).toBe(2)
    const entries = await uploadEntries(app)
    expect(entries.map((entry) => [entry.part, entry.phase])).toEqual([
      ['evidences', 'intended'],
      ['evidences', 'unknown'],
      ['evidences', 'settled_not_done'],
      ['evidences', 'intended'],
      ['evidences', 'done'],
      ['video', 'intended'],
      ['video', 'done'],
    ])
    expect(entries[3]?.resendOf).toBe(entries[0]?.seq)
    await app.close()
  })

  it('a status past a part this desk never sent is someone else’s doing: nothing sent, nothing deleted, nothing recorded as landed', async () => {
    const { app } = captureApp(world)
    const created = await createdHere(app)
    const { videoidPk } = created
    await captureAll(app, videoidPk)
    // Completed elsewhere meanwhile.
    target(videoidPk).status = 'VIDEOREVIEW'
    const refused = await failure(app.handlers.uploadCapture({ videoidPk }))
    expect(refused).toMatchObject({ code: 'wrong_state', detail: 'VIDEOREVIEW' })
    expect(sent('/evidences') + sent('/video')).toBe(0)
    expect(await uploadPhases(app)).toEqual([])
    const kept = await app.handlers.openCapture({ videoidPk })
    expect(kept).toMatchObject({ missing: [], upload: { evidences: 'pending', video: 'pending' } })
    expect(kept.recording?.bytes).toBe(WEBM.length)

    // The evidences by this desk's hand and the video refused; then a video from elsewhere completes it.
    target(videoidPk).status = 'VIDEOPENDING'
    world.simulator.inject({ route: 'POST /videoid/*/video', fault: { kind: 'status', status: 400 } })
    expect((await failure(app.handlers.uploadCapture({ videoidPk }))).code).toBe('rejected')
    target(videoidPk).status = 'VIDEOREVIEW'
    expect((await failure(app.handlers.uploadCapture({ videoidPk }))).code).toBe('wrong_state')
    expect(await uploadPhases(app)).toEqual([
      ['evidences', 'intended'],
      ['evidences', 'done'],
      ['video', 'intended'],
      ['video', 'refused'],
    ])
    expect((await app.handlers.openCapture({ videoidPk })).upload).toEqual({
      evidences: 'done',
      video: 'pending',
    })
    expect(readdirSync(capturesFolder(world.dataDir))).toHaveLength(1)
    await app.close()
  })

  it('a part the journal records landed is never sent again, whatever a lagging status says', async () => {
    const { app } = captureApp(world)
    const created = await createdHere(app)
    const { videoidPk } = created
    await captureAll(app, videoidPk)
    world.simulator.inject({ route: 'POST /videoid/*/video', fault: { kind: 'cut' } })
    expect((await failure(app.handlers.uploadCapture({ videoidPk }))).code).toBe('upload_unknown')
    // A read that lags behind the evidences' own answer.
    target(videoidPk).status = 'VIDEOPENDING'
    expect((await failure(app.handlers.uploadCapture({ videoidPk }))).code).toBe('upload_unknown')
    expect(sent('/evidences')).toBe(1)
    expect(sent('/video')).toBe(1)
    await app.close()
  })

  it('an upload cut halfway loses nothing: the capture stays, fixed, and only the video goes once settled', async () => {
    const clock = wallClock()
    const { app } = captureApp(world, { now: clock.now })
    const created = await createdHere(app)
    const { videoidPk } = created
    await captureAll(app, videoidPk)
    world.simulator.inject({ route: 'POST /videoid/*/video', fault: { kind: 'cut' } })
    const cut = await failure(app.handlers.uploadCapture({ videoidPk }))
    expect(cut.code).toBe('upload_unknown')
    const kept = await app.handlers.openCapture({ videoidPk })
    expect(kept.recording?.bytes).toBe(WEBM.length)
    expect(kept.upload).toMatchObject({ evidences: 'done', video: 'unknown' })
    // What the evidences carried is on the Optimizer: it is not changed here any more, nor the video
    // that may be, and the capture is not discarded.
    const refusals = [
      app.handlers.saveCapture({ videoidPk, checks: CHECKS }),
      app.handlers.saveCaptureImage({
        videoidPk,
        slot: 'document_front',
        source: 'file',
        data: b64(IMAGES.document_rear),
      }),
      app.handlers.removeCaptureImage({ videoidPk, slot: 'document_rear' }),
    ]
    for (const refusal of refusals) expect((await failure(refusal)).code).toBe('evidences_sent')
    expect((await failure(app.handlers.discardCaptureVideo({ videoidPk }))).code).toBe('wrong_state')
    expect((await failure(app.handlers.abandonCapture({ videoidPk }))).code).toBe('capture_sent')
    const still = await app.handlers.openCapture({ videoidPk })
    expect(still.images).toEqual(kept.images)
    expect(still.recording).toEqual(kept.recording)

    clock.advance(PAST_THE_WINDOW)
    expect((await failure(app.handlers.uploadCapture({ videoidPk }))).code).toBe('resend_unconfirmed')
    const { case: uploaded } = await app.handlers.uploadCapture({ videoidPk, resendConfirmed: true })
    expect(uploaded.status).toBe('VIDEOREVIEW')
    expect(sent('/evidences')).toBe(1)
    expect(sent('/video')).toBe(2)
    expect(readFileSync(target(videoidPk).video?.file ?? '')).toEqual(WEBM)
    await app.close()
  })

  it('a capture whose evidences may have landed is not discarded', async () => {
    const { app } = captureApp(world)
    const created = await createdHere(app)
    const { videoidPk } = created
    await captureAll(app, videoidPk)
    world.simulator.inject({ route: 'POST /videoid/*/evidences', fault: { kind: 'drop' } })
    await failure(app.handlers.uploadCapture({ videoidPk }))
    expect((await failure(app.handlers.abandonCapture({ videoidPk }))).code).toBe('capture_sent')
    expect(readdirSync(capturesFolder(world.dataDir))).toHaveLength(1)
    await app.close()
  })

  it('cancels an upload under way, and one upload at a time per capture, neither discarded nor purged meanwhile', async () => {
    const { app, progress } = captureApp(world)
    const created = await createdHere(app)
    const { videoidPk } = created
    await captureAll(app, videoidPk)
    await app.handlers.discardCaptureVideo({ videoidPk })
    // A long recording: the WebM's start, then 48 MiB more, so that the upload is still under way.
    const long = Buffer.concat([WEBM, Buffer.alloc(48 * 1024 * 1024, 7)])
    await record(app, videoidPk, long, 4 * 1024 * 1024)

    const running = failure(app.handlers.uploadCapture({ videoidPk }))
    expect((await failure(app.handlers.uploadCapture({ videoidPk }))).code).toBe('upload_in_flight')
    await until(() => progress.some((event) => event.state.phase === 'video'))
    expect((await failure(app.handlers.abandonCapture({ videoidPk }))).code).toBe('upload_in_flight')
    // The case decided elsewhere meanwhile: the purge leaves a capture being uploaded alone.
    const scope = { optimizer: world.simulator.url, environment: 'sandbox' as const }
    expect(await app.capture.purge([{ ...scope, videoidPk, status: 'CANCELLED' }])).toBe(0)
    expect(app.handlers.cancelCaptureUpload({ videoidPk })).toEqual({ cancelled: true })
    expect((await running).code).toBe('cancelled')
    expect(target(videoidPk).video).toBeUndefined()
    expect(sent('/evidences')).toBe(1)
    const kept = await app.handlers.openCapture({ videoidPk })
    expect(kept.recording?.bytes).toBe(long.length)
    await app.close()
  })

  it('a cancel just after the evidences landed writes no video attempt: none was sent', async () => {
    const { app, progress } = captureApp(world)
    const created = await createdHere(app)
    const { videoidPk } = created
    await captureAll(app, videoidPk)
    world.simulator.inject({ route: 'POST /videoid/*/evidences', fault: { kind: 'latency', ms: 300 } })
    const running = failure(app.handlers.uploadCapture({ videoidPk }))
    await until(() => progress.some((event) => event.state.phase === 'evidences'))
    // The status read after the evidences' answer takes a while: the cancel comes then.
    world.simulator.inject({ route: 'GET /request/*', fault: { kind: 'latency', ms: 1000 } })
    await until(async () => (await uploadPhases(app)).length === 2)
    app.handlers.cancelCaptureUpload({ videoidPk })
    expect((await running).code).toBe('cancelled')
    expect(await uploadPhases(app)).toEqual([
      ['evidences', 'intended'],
      ['evidences', 'done'],
    ])
    expect((await app.handlers.openCapture({ videoidPk })).upload).toEqual({
      evidences: 'done',
      video: 'pending',
    })
    await app.close()
  })

  it('an upload keeps the scope and the officer it started with, and is cancelled there', async () => {
    const { app, progress } = captureApp(world)
    const created = await createdHere(app)
    const { videoidPk } = created
    await captureAll(app, videoidPk)
    await app.handlers.discardCaptureVideo({ videoidPk })
    await record(app, videoidPk, Buffer.concat([WEBM, Buffer.alloc(48 * 1024 * 1024, 7)]), 4 * 1024 * 1024)
    world.simulator.inject({ route: 'POST /videoid/*/evidences', fault: { kind: 'latency', ms: 300 } })
    const running = failure(app.handlers.uploadCapture({ videoidPk }))
    await until(() => progress.some((event) => event.state.phase === 'evidences'))
    // The officer moves to the production environment, which holds no credentials here.
    await app.handlers.saveSettings({ environment: 'prod' })
    await until(() => progress.some((event) => event.state.phase === 'video'))
    expect(app.handlers.cancelCaptureUpload({ videoidPk })).toEqual({ cancelled: true })
    expect((await running).code).toBe('cancelled')
    const entries = await uploadEntries(app)
    expect(entries.map((entry) => [entry.part, entry.phase, entry.officer, entry.environment])).toEqual([
      ['evidences', 'intended', OFFICER.username, 'sandbox'],
      ['evidences', 'done', OFFICER.username, 'sandbox'],
      ['video', 'intended', OFFICER.username, 'sandbox'],
      ['video', 'unknown', OFFICER.username, 'sandbox'],
    ])
    await app.close()
  })

  it('an Optimizer error repeating what the upload carried shows none of it', async () => {
    const { app } = captureApp(world)
    const created = await createdHere(app)
    const { videoidPk } = created
    await captureAll(app, videoidPk)
    const captured = await app.handlers.openCapture({ videoidPk })
    const { acceptance, document, checks } = captured
    if (!acceptance || !document || !checks) throw new Error('the capture is incomplete')
    const body = evidencesOf({ acceptance, document, checks }, IMAGES)
    world.simulator.inject({ route: 'POST /videoid/*/evidences', fault: { kind: 'echo' } })
    const echoed = await failure(app.oneshot.uploadEvidences(videoidPk, body))
    world.simulator.inject({ route: 'POST /videoid/*/video', fault: { kind: 'echo', as: 'body' } })
    const videoEchoed = await failure(app.oneshot.uploadVideo(videoidPk, VIDEOS.c))
    for (const error of [echoed, videoEchoed]) {
      expect(error.httpStatus).toBe(500)
      expect(error.detail).toBe(
        'HTTP 500: the Optimizer’s words are not shown, as the call carried personal data',
      )
    }
    expect(target(videoidPk).hasEvidences).toBe(false)
    await app.close()
  })

  it('a recording with a piece missing is damaged: nothing of it is sent', async () => {
    const { app } = captureApp(world)
    const created = await createdHere(app)
    const { videoidPk } = created
    await captureAll(app, videoidPk)
    const folder = capturesFolder(world.dataDir)
    const [capture] = readdirSync(folder)
    const [take] = readdirSync(`${folder}/${capture}`).filter((name) => name.startsWith('take-'))
    const pieces = readdirSync(`${folder}/${capture}/${take}`).sort()
    const { rmSync } = await import('node:fs')
    rmSync(`${folder}/${capture}/${take}/${pieces.at(-1)}`)
    expect((await failure(app.handlers.uploadCapture({ videoidPk }))).code).toBe('capture_unreadable')
    expect(sent('/evidences') + sent('/video')).toBe(0)
    expect(await uploadPhases(app)).toEqual([])
    expect(existsSync(`${folder}/${capture}`)).toBe(true)
    await app.close()
  })
})
