import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import keytar from '@github/keytar'
import { describe, expect, it } from 'vitest'
import { permissionsFor } from '../../../main/bindings'
import { onPageStart } from '../../../main/guards'
import { createIpcBinding } from '../../../main/ipc'
import { createLogger } from '../../../main/log'
import { createMediaHandler } from '../../../main/media/media-protocol'
import type { Keychain } from '../../../main/vault/keychain'
import { AppError } from '../../../shared/errors'
import { filesUnder, plaintextIn } from '../../support/plaintext-scan'
import { fakeClock, MINUTE } from '../lock/desk'
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
  wallClock,
} from './fixtures'

// Capture at the desk through the app's own services, against the simulator over real HTTP and the real
// keychain: what is kept, sealed, between steps and restarts, and what may change once part is sent.
// The upload itself: upload.test.ts.
const world = eachTestWorld()

const b64 = (data: Buffer) => data.toString('base64')
const uploadPhases = async (app: ReturnType<typeof captureApp>['app']) =>
  (await app.handlers.getJournal(undefined)).entries.flatMap((entry) =>
    entry.type === 'upload' ? [[entry.part, entry.phase]] : [],
  )
const sent = (path: string) =>
  world.simulator.requests.filter((request) => request.path.endsWith(path)).length
/** The capture's one folder under the captures. */
const captureFolder = () => {
  const [name] = readdirSync(capturesFolder(world.dataDir))
  if (!name) throw new Error('no capture on disk')
  return path.join(capturesFolder(world.dataDir), name)
}
const modeOf = (folder: string) => statSync(folder).mode & 0o777
/** The error an action ends with (a handler answers a value or a promise of one). */
const failure = (outcome: unknown) =>
  Promise.resolve(outcome).then(
    () => {
      throw new Error('expected a failure')
    },
    (error: AppError) => error,
  )

describe('capture at the desk', () => {
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
    // Each piece carries the prompts shown so far.
    const shown = [
      { prompt: 'document_front' as const, atMs: 0 },
      { prompt: 'document_rear' as const, atMs: 1500 },
    ]
    for (const [index, data] of pieces.entries())
      await first.app.handlers.appendCaptureVideo({
        videoidPk: created.videoidPk,
        take,
        index,
        data,
        prompts: shown.slice(0, index + 1),
      })
    await first.app.close()

    const again = captureApp(world)
    const reopened = await again.app.handlers.openCapture({ videoidPk: created.videoidPk })
    expect(reopened.recording).toMatchObject({ ended: 'interrupted', bytes: 20_000, prompts: shown })
    expect(reopened.missing).not.toContain('recording')
    await again.app.close()
  })

  it('a screen opening after a take was started keeps what the page sent before it, in order', async () => {
    const { app } = captureApp(world)
    const created = await createdHere(app)
    const { videoidPk } = created
    await app.handlers.openCapture({ videoidPk })
    // The page went (Back, then Capture again) while its recording's start was still on its way.
    const started = app.handlers.startCaptureVideo({ videoidPk, type: 'video/webm', source: 'camera' })
    const reopened = await app.handlers.openCapture({ videoidPk })
    await started
    // That take was cut off with nothing in it: the new screen can record.
    expect(reopened.recording).toBeUndefined()
    await record(app, videoidPk)
    expect((await app.handlers.openCapture({ videoidPk })).recording).toMatchObject({ ended: 'stopped' })
    await app.close()
  })

  it('reads the journal before it shows or changes a capture: sent parts stay fixed after a restart, and an unreadable journal changes nothing', async () => {
    const first = captureApp(world)
    const created = await createdHere(first.app)
    const { videoidPk } = created
    await captureAll(first.app, videoidPk)
    world.simulator.inject({ route: 'POST /videoid/*/video', fault: { kind: 'cut' } })
    await failure(first.app.handlers.uploadCapture({ videoidPk }))
    await first.app.close()

    const again = captureApp(world)
    const reopened = await again.app.handlers.openCapture({ videoidPk })
    expect(reopened.upload).toMatchObject({ evidences: 'done', video: 'unknown' })
    await again.app.close()
    const fresh = captureApp(world)
    for (const change of [
      fresh.app.handlers.saveCaptureImage({
        videoidPk,
        slot: 'document_front',
        source: 'file',
        data: b64(IMAGES.document_rear),
      }),
      fresh.app.handlers.removeCaptureImage({ videoidPk, slot: 'document_rear' }),
      fresh.app.handlers.saveCapture({ videoidPk, checks: { ...CHECKS, similarityLevel: 10 } }),
    ])
      expect((await failure(change)).code).toBe('evidences_sent')
    await fresh.app.close()

    // The keychain will not give the journal's key: the capture is neither shown nor changed.
    const locked: Keychain = {
      getPassword: (service, account) =>
        account === 'journal-key'
          ? Promise.reject(new Error('Cannot get secret of a locked object'))
          : keytar.getPassword(service, account),
      setPassword: (service, account, value) => keytar.setPassword(service, account, value),
      deletePassword: (service, account) => keytar.deletePassword(service, account),
    }
    const blind = captureApp(world, { keychain: locked })
    expect((await failure(blind.app.handlers.openCapture({ videoidPk }))).code).toBe('keychain_locked')
    expect(
      (
        await failure(
          blind.app.handlers.saveCapture({ videoidPk, checks: { ...CHECKS, similarityLevel: 10 } }),
        )
      ).code,
    ).toBe('keychain_locked')
    expect((await failure(blind.app.handlers.discardCaptureVideo({ videoidPk }))).code).toBe(
      'keychain_locked',
    )
    expect((await failure(blind.app.handlers.abandonCapture({ videoidPk }))).code).toBe('keychain_locked')
    await blind.app.close()
    const after = captureApp(world)
    const unchanged = await after.app.handlers.openCapture({ videoidPk })
    expect(unchanged.checks).toEqual(CHECKS)
    expect(unchanged.recording?.bytes).toBe(WEBM.length)
    await after.app.close()
  })

  it('a recording holds the idle lock off for its first minutes only: one left running lets the desk lock', async () => {
    const clock = fakeClock()
    const { app } = captureApp(world, { clock, now: () => new Date(clock.now()) })
    const created = await createdHere(app)
    const { videoidPk } = created
    await app.handlers.openCapture({ videoidPk })
    app.start()
    const { take } = await app.handlers.startCaptureVideo({ videoidPk, type: 'video/webm', source: 'camera' })
    const pieces = piecesOf(WEBM, 1000)
    let index = 0
    const piece = () =>
      app.handlers.appendCaptureVideo({ videoidPk, take, index, data: pieces[index++] ?? '' })
    // A piece every four minutes keeps the desk (idle limit: five minutes) open for twenty minutes …
    for (let minute = 4; minute <= 20; minute += 4) {
      clock.advance(4 * MINUTE)
      await piece()
      expect(app.lock.locked()).toBe(false)
    }
    // … then the pieces go on, and the desk locks all the same.
    clock.advance(4 * MINUTE)
    await piece()
    clock.advance(MINUTE + 10_000)
    expect(app.lock.locked()).toBe(true)
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
    // A piece sent again (its answer lost in the page) is kept once; another piece under its number is not.
    await app.handlers.appendCaptureVideo({ videoidPk, take, index: 1, data: second ?? '' })
    expect(await app.handlers.appendCaptureVideo({ videoidPk, take, index: 1, data: second ?? '' })).toEqual({
      bytes: 8192,
    })
    expect(
      (await failure(app.handlers.appendCaptureVideo({ videoidPk, take, index: 1, data: third ?? '' }))).code,
    ).toBe('invalid_input')
    await app.handlers.appendCaptureVideo({ videoidPk, take, index: 2, data: third ?? '' })
    const ended = await app.handlers.endCaptureVideo({ videoidPk, take, ended: 'file', prompts: [] })
    expect(ended.recording?.bytes).toBe(12_288)
    const media = createMediaHandler({ video: app.video, capture: app.capture })
    const kept = await media(new Request(`rao-media://media/capture/${videoidPk}/video`))
    expect(Buffer.from(await kept.arrayBuffer())).toEqual(WEBM.subarray(0, 12_288))
    await app.close()
  })

  it('keeps a video up to its size limit, and what it held when a piece would pass it', async () => {
    const { app } = captureApp(world, { maxVideoBytes: 20_000 })
    const created = await createdHere(app)
    const { videoidPk } = created
    await app.handlers.openCapture({ videoidPk })
    const { take } = await app.handlers.startCaptureVideo({ videoidPk, type: 'video/webm', source: 'file' })
    const [first, second, third] = piecesOf(WEBM, 8192)
    await app.handlers.appendCaptureVideo({ videoidPk, take, index: 0, data: first ?? '' })
    await app.handlers.appendCaptureVideo({ videoidPk, take, index: 1, data: second ?? '' })
    expect(
      (await failure(app.handlers.appendCaptureVideo({ videoidPk, take, index: 2, data: third ?? '' }))).code,
    ).toBe('video_too_large')
    const ended = await app.handlers.endCaptureVideo({ videoidPk, take, ended: 'failed', prompts: [] })
    expect(ended.recording?.bytes).toBe(16_384)
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

  it('allows camera and microphone only while the capture screen is open and the desk unlocked', async () => {
    const { app } = captureApp(world)
    const created = await createdHere(app)
    await app.lock.ready()
    const window = { id: 1 }
    // As the app builds its handlers.
    const permissions = permissionsFor(app, (contents) => contents === window)
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
    await app.handlers.lockDesk(undefined)
    expect(granted()).toBe(false)
    await app.handlers.unlockDesk({ pin: OFFICER.pin })
    expect(granted()).toBe(true)
    app.handlers.closeCapture(undefined)
    expect(granted()).toBe(false)

    // A reload of the page, as its window tells main, closes the screen the page had open.
    await app.handlers.openCapture({ videoidPk: created.videoidPk })
    const listeners: ((details: { isMainFrame: boolean; isSameDocument: boolean }) => void)[] = []
    onPageStart({ on: (_event, listener) => listeners.push(listener) }, app.pageStarted)
    for (const listener of listeners) listener({ isMainFrame: false, isSameDocument: false })
    for (const listener of listeners) listener({ isMainFrame: true, isSameDocument: true })
    expect(granted()).toBe(true)
    for (const listener of listeners) listener({ isMainFrame: true, isSameDocument: false })
    expect(granted()).toBe(false)
    await app.close()
  })

  it('binds each sealed file to its place, in folders only the user can open', async () => {
    // A captures folder made by someone else, open to others: made private all the same.
    mkdirSync(capturesFolder(world.dataDir), { recursive: true, mode: 0o755 })
    const { app } = captureApp(world)
    const created = await createdHere(app)
    const { videoidPk } = created
    await captureAll(app, videoidPk)
    const folder = captureFolder()
    const [take] = readdirSync(folder).filter((name) => name.startsWith('take-'))
    for (const each of [capturesFolder(world.dataDir), folder, path.join(folder, take ?? '')])
      expect(modeOf(each)).toBe(0o700)
    // The front's file put in place of the rear's: it does not open as the rear.
    copyFileSync(path.join(folder, 'document_front.enc'), path.join(folder, 'document_rear.enc'))
    expect((await failure(app.capture.image(videoidPk, 'document_rear'))).code).toBe('capture_unreadable')
    await app.close()
  })

  it('abandoning deletes the capture; a case decided meanwhile has its capture purged', async () => {
    const clock = wallClock()
    const { app } = captureApp(world, { now: clock.now })
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

    // One left unchanged while its Video ID waits is kept for the retention's days (7), not for ever.
    await captureAll(app, one.videoidPk)
    clock.advance(6 * 86_400_000)
    expect(await app.capture.purge(await app.cases.retention())).toBe(0)
    await app.handlers.saveCapture({ videoidPk: one.videoidPk, checks: CHECKS })
    clock.advance(6 * 86_400_000)
    expect(await app.capture.purge(await app.cases.retention())).toBe(0)
    clock.advance(86_400_000 + 1)
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
