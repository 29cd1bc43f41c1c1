import { existsSync, readdirSync, readFileSync } from 'node:fs'
import keytar from '@github/keytar'
import { describe, expect, it } from 'vitest'
import { createPermissionHandlers } from '../../../main/guards'
import { createIpcBinding } from '../../../main/ipc'
import { createLogger } from '../../../main/log'
import { createMediaHandler } from '../../../main/media/media-protocol'
import { AppError } from '../../../shared/errors'
import { filesUnder, plaintextIn } from '../../support/plaintext-scan'
import { eachTestWorld, OFFICER, readTree } from '../vault/fixtures'
import {
  CHECKS,
  captureAll,
  captureApp,
  capturesFolder,
  createdHere,
  DOCUMENT,
  IMAGES,
  PRIVACY,
  piecesOf,
  record,
  TERMS,
  USER_AGENT,
  WEBM,
} from './fixtures'

// Capture at the desk through the app's own services, against the simulator over real HTTP and the real
// keychain: what is kept, sealed, between steps and restarts, and how the upload goes, lost answers too.
const world = eachTestWorld()

const b64 = (data: Buffer) => data.toString('base64')
const uploadPhases = async (app: ReturnType<typeof captureApp>['app']) =>
  (await app.handlers.getJournal(undefined)).entries.flatMap((entry) =>
    entry.type === 'upload' ? [[entry.part, entry.phase]] : [],
  )
const sent = (path: string) =>
  world.simulator.requests.filter((request) => request.path.endsWith(path)).length
/** The error an action ends with (a handler answers a value or a promise of one). */
const failure = (outcome: unknown) =>
  Promise.resolve(outcome).then(
    () => {
      throw new Error('expected a failure')
    },
    (error: AppError) => error,
  )

describe('capture at the desk', () => {
  it('sends the evidences as the reference names them and the recording as it was made, then the case is in review', async () => {
    const { app, progress } = captureApp(world)
    const created = await createdHere(app)
    const captured = await captureAll(app, created.videoidPk)
    expect(captured.missing).toEqual([])
    expect(captured.recording).toMatchObject({ type: 'video/webm', bytes: WEBM.length, ended: 'stopped' })

    const { case: uploaded } = await app.handlers.uploadCapture({ videoidPk: created.videoidPk })
    expect(uploaded.status).toBe('VIDEOREVIEW')
    const target = world.simulator.state.cases.get(created.videoidPk)
    // The body the simulator accepted, field by field, written out by hand from the reference.
    expect(target?.evidences).toEqual({
      acceptance: {
        description:
          'User Accepted Terms and Conditions and Privacy Policy at the registration authority desk',
        'url-doc-privacypolicy': PRIVACY,
        ip: expect.stringMatching(/^[\d.:a-f]+$/),
        'user-agent': USER_AGENT,
        date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        'url-doc-termsconditions': TERMS,
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
    expect(target?.video?.contentType).toBe('video/webm')
    expect(readFileSync(target?.video?.file ?? '')).toEqual(WEBM)
    expect(sent('/evidences')).toBe(1)
    expect(sent('/video')).toBe(1)

    // Written ahead, part by part, with what was sent: never the signer's data.
    expect(await uploadPhases(app)).toEqual([
      ['evidences', 'intended'],
      ['evidences', 'done'],
      ['video', 'intended'],
      ['video', 'done'],
    ])
    const entries = (await app.handlers.getJournal(undefined)).entries
    const video = entries.find((entry) => entry.type === 'upload' && entry.part === 'video')
    expect(video).toMatchObject({
      officer: OFFICER.username,
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

  it('keeps a capture sealed, step by step, across a restart; nothing of it readable on disk', async () => {
    const first = captureApp(world)
    const created = await createdHere(first.app)
    await captureAll(first.app, created.videoidPk)
    await first.app.close()

    const folder = capturesFolder(world.dataDir)
    expect(filesUnder(folder).length).toBeGreaterThan(5)
    expect(plaintextIn(folder, [WEBM, ...Object.values(IMAGES)])).toEqual([])
    const text = readTree(folder)
    for (const personal of ['Irene', 'Quintanilla', '73920416X', 'irene.quintanilla', USER_AGENT, 'JFIF'])
      expect(text).not.toContain(personal)

    const again = captureApp(world)
    const reopened = await again.app.handlers.openCapture({ videoidPk: created.videoidPk })
    expect(reopened).toMatchObject({
      acceptance: { userAgent: USER_AGENT, privacyPolicyUrl: PRIVACY, termsUrl: TERMS },
      document: DOCUMENT,
      checks: CHECKS,
      recording: { bytes: WEBM.length, ended: 'stopped', type: 'video/webm' },
      missing: [],
      upload: { evidences: 'pending', video: 'pending' },
    })
    expect(reopened.images.document_front).toMatchObject({ width: 640, height: 400, type: 'image/jpeg' })
    // The media protocol serves the capture's recording (a range of it) and its images, opened.
    const media = createMediaHandler({ video: again.app.video, capture: again.app.capture })
    const get = (pathname: string, range?: string) =>
      media(new Request(`rao-media://media${pathname}`, range ? { headers: { range } } : {}))
    const whole = await get(`/capture/${created.videoidPk}/video`)
    expect(whole.headers.get('content-type')).toBe('video/webm')
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(WEBM)
    const part = await get(`/capture/${created.videoidPk}/video`, 'bytes=10000-20999')
    expect(part.status).toBe(206)
    expect(Buffer.from(await part.arrayBuffer())).toEqual(WEBM.subarray(10000, 21000))
    const photo = await get(`/capture/${created.videoidPk}/image/document_photo`)
    expect(photo.headers.get('content-type')).toBe('image/png')
    expect(Buffer.from(await photo.arrayBuffer())).toEqual(IMAGES.document_photo)
    await again.app.close()
  })

  it('keeps what a recording cut off by a closed app holds, as interrupted', async () => {
    const first = captureApp(world)
    const created = await createdHere(first.app)
    await first.app.handlers.openCapture({ videoidPk: created.videoidPk })
    const { take } = await first.app.handlers.startCaptureVideo({
      videoidPk: created.videoidPk,
      type: 'video/webm',
      source: 'camera',
    })
    const pieces = piecesOf(WEBM, 10_000).slice(0, 2)
    for (const [index, data] of pieces.entries())
      await first.app.handlers.appendCaptureVideo({ videoidPk: created.videoidPk, take, index, data })
    await first.app.close()

    const again = captureApp(world)
    const reopened = await again.app.handlers.openCapture({ videoidPk: created.videoidPk })
    expect(reopened.recording).toMatchObject({ ended: 'interrupted', bytes: 20_000 })
    expect(reopened.missing).not.toContain('recording')
    await again.app.close()
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

  it('never sends again blind: a lost answer waits for a status read, which says whether it landed', async () => {
    const { app } = captureApp(world)
    const created = await createdHere(app)
    await captureAll(app, created.videoidPk)
    const target = world.simulator.state.cases.get(created.videoidPk)
    if (!target) throw new Error('no case')

    // The request arrives and the connection drops with nothing done yet: outcome unknown.
    world.simulator.inject({ route: 'POST /videoid/*/evidences', fault: { kind: 'drop' } })
    const lost = await failure(app.handlers.uploadCapture({ videoidPk: created.videoidPk }))
    expect(lost.code).toBe('upload_unknown')
    expect((await app.handlers.openCapture({ videoidPk: created.videoidPk })).upload).toEqual({
      evidences: 'unknown',
      video: 'pending',
    })
    // The Optimizer did it after all, and its status lags: a second evidences upload is refused, in the
    // RA's words; the status, not those words, says what happened.
    target.hasEvidences = true
    const refused = await failure(app.handlers.uploadCapture({ videoidPk: created.videoidPk }))
    expect(refused.code).toBe('upload_unknown')
    expect(refused.detail).toContain("Invalid VideoId status 'COMPLETE'")
    expect(target.video).toBeUndefined()
    // Its status shows it now: not sent a third time, and the video follows.
    target.status = 'VIDEOINCOMPLETE'
    const { case: uploaded } = await app.handlers.uploadCapture({ videoidPk: created.videoidPk })
    expect(uploaded.status).toBe('VIDEOREVIEW')
    expect(sent('/evidences')).toBe(2)
    expect(sent('/video')).toBe(1)
    expect(await uploadPhases(app)).toEqual([
      ['evidences', 'intended'],
      ['evidences', 'unknown'],
      ['evidences', 'settled_not_done'],
      ['evidences', 'intended'],
      ['evidences', 'unknown'],
      ['evidences', 'settled_done'],
      ['video', 'intended'],
      ['video', 'done'],
    ])
    await app.close()
  })

  it('an upload cut halfway loses nothing: the capture stays, and the next upload sends only the video', async () => {
    const { app } = captureApp(world)
    const created = await createdHere(app)
    await captureAll(app, created.videoidPk)
    world.simulator.inject({ route: 'POST /videoid/*/video', fault: { kind: 'cut' } })
    const cut = await failure(app.handlers.uploadCapture({ videoidPk: created.videoidPk }))
    expect(cut.code).toBe('upload_unknown')
    const kept = await app.handlers.openCapture({ videoidPk: created.videoidPk })
    expect(kept.recording?.bytes).toBe(WEBM.length)
    expect(kept.upload).toEqual({ evidences: 'done', video: 'unknown' })
    // What the evidences carried is on the Optimizer: it is not changed here any more.
    expect(
      (await failure(app.handlers.saveCapture({ videoidPk: created.videoidPk, checks: CHECKS }))).code,
    ).toBe('evidences_sent')

    const { case: uploaded } = await app.handlers.uploadCapture({ videoidPk: created.videoidPk })
    expect(uploaded.status).toBe('VIDEOREVIEW')
    expect(sent('/evidences')).toBe(1)
    expect(sent('/video')).toBe(2)
    expect(readFileSync(world.simulator.state.cases.get(created.videoidPk)?.video?.file ?? '')).toEqual(WEBM)
    await app.close()
  })

  it('cancels an upload under way, and one upload at a time per capture', async () => {
    const { app, progress } = captureApp(world)
    const created = await createdHere(app)
    await captureAll(app, created.videoidPk)
    await app.handlers.discardCaptureVideo({ videoidPk: created.videoidPk })
    // A long recording: the WebM's start, then 48 MiB more, so that the upload is still under way.
    const long = Buffer.concat([WEBM, Buffer.alloc(48 * 1024 * 1024, 7)])
    await record(app, created.videoidPk, long, 4 * 1024 * 1024)
    world.simulator.setVideoRate(undefined)

    const running = failure(app.handlers.uploadCapture({ videoidPk: created.videoidPk }))
    const second = await failure(app.handlers.uploadCapture({ videoidPk: created.videoidPk }))
    expect(second.code).toBe('upload_in_flight')
    while (!progress.some((event) => event.state.phase === 'video'))
      await new Promise((resolve) => setTimeout(resolve, 5))
    expect(app.handlers.cancelCaptureUpload({ videoidPk: created.videoidPk })).toEqual({ cancelled: true })
    expect((await running).code).toBe('cancelled')
    expect(world.simulator.state.cases.get(created.videoidPk)?.video).toBeUndefined()
    expect(sent('/evidences')).toBe(1)
    const kept = await app.handlers.openCapture({ videoidPk: created.videoidPk })
    expect(kept.recording?.bytes).toBe(long.length)
    await app.close()
  })

  it('refuses what is not an image, too large or too small, and keeps what it had', async () => {
    const { app } = captureApp(world)
    const created = await createdHere(app)
    const videoidPk = created.videoidPk
    await app.handlers.openCapture({ videoidPk })
    const front = (data: Buffer) =>
      app.handlers.saveCaptureImage({ videoidPk, slot: 'document_front', source: 'file', data: b64(data) })
    await front(IMAGES.document_front)
    const { pngOf } = await import('../../support/images')
    expect((await failure(front(Buffer.from('%PDF-1.7 a document, not a picture')))).code).toBe(
      'not_an_image',
    )
    expect((await failure(front(pngOf(2400, 600)))).code).toBe('image_too_large')
    expect((await failure(front(pngOf(200, 150)))).code).toBe('image_too_small')
    const kept = await app.handlers.openCapture({ videoidPk })
    expect(kept.images.document_front).toMatchObject({ width: 640, height: 400, type: 'image/jpeg' })
    await app.close()
  })

  it('sends nothing while something required is missing, and says what', async () => {
    const { app } = captureApp(world)
    const created = await createdHere(app)
    const videoidPk = created.videoidPk
    await app.handlers.openCapture({ videoidPk })
    await app.handlers.saveCapture({ videoidPk, document: { ...DOCUMENT, idDocumentType: 'PAS' } })
    await app.handlers.saveCaptureImage({
      videoidPk,
      slot: 'document_front',
      source: 'file',
      data: b64(IMAGES.document_front),
    })
    const incomplete = await failure(app.handlers.uploadCapture({ videoidPk }))
    expect(incomplete.code).toBe('capture_incomplete')
    // A passport has no rear to photograph.
    expect(incomplete.detail).toBe('acceptance, document_photo, document_owner, checks, recording')
    expect(sent('/evidences') + sent('/video')).toBe(0)
    expect(await uploadPhases(app)).toEqual([])

    // Through the IPC binding, as the page calls it: data the API would refuse is refused before it is kept.
    const binding = createIpcBinding({
      handlers: app.handlers,
      isTrustedSender: () => true,
      refuse: app.refuse,
      log: createLogger(() => undefined),
    })
    for (const document of [
      { ...DOCUMENT, givenName: '  ' },
      { ...DOCUMENT, idDocumentType: 'DNI' },
      { ...DOCUMENT, idDocumentCountry: 'ESP' },
      { ...DOCUMENT, email: 'not an address' },
      { ...DOCUMENT, mobilePhoneNumber: '600 111 222' },
    ]) {
      const result = await binding.dispatch('saveCapture', { videoidPk, document }, null)
      expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    }
    const similarity = await binding.dispatch(
      'saveCapture',
      { videoidPk, checks: { ...CHECKS, similarityLevel: 101 } },
      null,
    )
    expect(similarity).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    expect((await app.handlers.openCapture({ videoidPk })).document?.idDocumentType).toBe('PAS')
    await app.close()
  })

  it('captures only a Video ID created at this desk and waiting for its video', async () => {
    const { app } = captureApp(world)
    await app.handlers.setUpCredentials(OFFICER)
    // Seeded on the simulator, added as a pair: its signer may be on the Video ID page.
    await app.handlers.addCases({ text: '16678,923061' })
    expect((await failure(app.handlers.openCapture({ videoidPk: 16678 }))).code).toBe('capture_not_allowed')
    const created = await createdHere(app)
    const target = world.simulator.state.cases.get(created.videoidPk)
    if (target) target.status = 'VIDEOREVIEW'
    await app.handlers.refreshCase({ videoidPk: created.videoidPk })
    expect((await failure(app.handlers.openCapture({ videoidPk: created.videoidPk }))).code).toBe(
      'capture_not_allowed',
    )
    expect(existsSync(capturesFolder(world.dataDir)) && readdirSync(capturesFolder(world.dataDir))).toEqual(
      [],
    )
    await app.close()
  })

  it('asks for the documents’ addresses before the acceptance is recorded', async () => {
    const { app } = captureApp(world)
    const created = await createdHere(app)
    app.handlers.saveSettings({ privacyPolicyUrl: '', termsUrl: TERMS })
    const refused = await failure(
      app.handlers.saveCapture({
        videoidPk: created.videoidPk,
        acceptance: { accepted: true, userAgent: USER_AGENT },
      }),
    )
    expect(refused.code).toBe('acceptance_urls_missing')
    await app.close()
  })

  it('takes a video’s pieces in order only, and a file that is a video only', async () => {
    const { app } = captureApp(world)
    const created = await createdHere(app)
    const videoidPk = created.videoidPk
    await app.handlers.openCapture({ videoidPk })
    const notVideo = await app.handlers.startCaptureVideo({ videoidPk, type: 'video/mp4', source: 'file' })
    const refused = await failure(
      app.handlers.appendCaptureVideo({
        videoidPk,
        take: notVideo.take,
        index: 0,
        data: b64(IMAGES.document_front),
      }),
    )
    expect(refused.code).toBe('not_a_video')
    await app.handlers.discardCaptureVideo({ videoidPk })
    const { take } = await app.handlers.startCaptureVideo({ videoidPk, type: 'video/webm', source: 'file' })
    const [first, second, third] = piecesOf(WEBM, 4096)
    await app.handlers.appendCaptureVideo({ videoidPk, take, index: 0, data: first ?? '' })
    expect(
      (await failure(app.handlers.appendCaptureVideo({ videoidPk, take, index: 2, data: third ?? '' }))).code,
    ).toBe('invalid_input')
    // A piece sent again (its answer lost in the page) is kept once.
    await app.handlers.appendCaptureVideo({ videoidPk, take, index: 1, data: second ?? '' })
    expect(await app.handlers.appendCaptureVideo({ videoidPk, take, index: 1, data: second ?? '' })).toEqual({
      bytes: 8192,
    })
    await app.close()
  })

  it('a full disk mid-recording is a storage error, and the pieces before it are kept', async () => {
    const { fsCalls } = await import('../../../main/fs/durable')
    const { app } = captureApp(world)
    const created = await createdHere(app)
    const videoidPk = created.videoidPk
    await app.handlers.openCapture({ videoidPk })
    const { take } = await app.handlers.startCaptureVideo({ videoidPk, type: 'video/webm', source: 'camera' })
    const pieces = piecesOf(WEBM, 8192)
    await app.handlers.appendCaptureVideo({ videoidPk, take, index: 0, data: pieces[0] ?? '' })
    const writeSync = fsCalls.writeSync
    fsCalls.writeSync = () => {
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' })
    }
    try {
      const full = await failure(
        app.handlers.appendCaptureVideo({ videoidPk, take, index: 1, data: pieces[1] ?? '' }),
      )
      expect(full).toMatchObject({ code: 'storage', detail: 'ENOSPC' })
    } finally {
      fsCalls.writeSync = writeSync
    }
    const ended = await app.handlers.endCaptureVideo({ videoidPk, take, ended: 'failed', prompts: [] })
    expect(ended.recording).toMatchObject({ bytes: 8192, ended: 'failed' })
    await app.close()
  })

  it('allows camera and microphone only while the capture screen is open', async () => {
    const { app } = captureApp(world)
    const created = await createdHere(app)
    const window = { id: 1 }
    const permissions = createPermissionHandlers({
      isAppWindow: (contents) => contents === window,
      captureOpen: () => app.capture.screenOpen(),
    })
    const granted = () =>
      permissions.check(window, 'media', 'app://rao-desk', {
        requestingUrl: 'app://rao-desk/index.html',
        isMainFrame: true,
        mediaType: 'video',
      })
    expect(granted()).toBe(false)
    // A case it may not capture opens no screen.
    await failure(app.handlers.openCapture({ videoidPk: 16673 }))
    expect(granted()).toBe(false)
    await app.handlers.openCapture({ videoidPk: created.videoidPk })
    expect(granted()).toBe(true)
    app.handlers.closeCapture(undefined)
    expect(granted()).toBe(false)
    await app.close()
  })

  it('abandoning deletes the capture; a case decided meanwhile has its capture purged', async () => {
    const { app } = captureApp(world)
    const one = await createdHere(app)
    const { case: other } = await app.handlers.createVideoId({
      mobilePhoneNumber: '+34 600 333 444',
      email: 'b@example.org',
      registrationAuthority: OFFICER.rao,
      profile: 'PFnubeQAFCiudadano',
    })
    await captureAll(app, one.videoidPk)
    await captureAll(app, other.videoidPk)
    expect(readdirSync(capturesFolder(world.dataDir))).toHaveLength(2)
    await app.handlers.abandonCapture({ videoidPk: one.videoidPk })
    expect(readdirSync(capturesFolder(world.dataDir))).toHaveLength(1)
    const target = world.simulator.state.cases.get(other.videoidPk)
    if (target) target.status = 'CANCELLED'
    await app.handlers.refreshCase({ videoidPk: other.videoidPk })
    expect(await app.capture.purge(await app.cases.retention())).toBe(1)
    expect(readdirSync(capturesFolder(world.dataDir))).toEqual([])
    await app.close()
  })

  it('a capture whose key left the keychain is said to be unreadable, never shown as empty', async () => {
    const { app } = captureApp(world)
    const created = await createdHere(app)
    await captureAll(app, created.videoidPk)
    await keytar.deletePassword(`${world.service}.media`, 'media-key')
    const lost = await failure(app.handlers.openCapture({ videoidPk: created.videoidPk }))
    expect(lost).toBeInstanceOf(AppError)
    expect(lost.code).toBe('capture_unreadable')
    await app.close()
  })
})
