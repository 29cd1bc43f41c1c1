import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { Emit } from '../../../main/ipc'
import type { CaptureProgress } from '../../../shared/capture'
import { VIDEOS } from '../../simulator/seed'
import { jpegOf, pngOf } from '../../support/images'
import { OFFICER, servicesFor, type TestWorld } from '../vault/fixtures'

export const PRIVACY = 'https://ra.example/privacy'
export const TERMS = 'https://ra.example/terms'

/** The signer as the officer reads their document: synthetic, and recognisable in any file it leaks to. */
export const DOCUMENT = {
  givenName: 'Irene',
  surname1: 'Quintanilla',
  surname2: 'Ybarra',
  serialNumber: '73920416X',
  idDocumentType: 'IDC' as const,
  idDocumentCountry: 'ES',
  mobilePhoneNumber: '+34 600 111 222',
  email: 'irene.quintanilla@example.org',
}
export const CHECKS = {
  documentsMatch: true,
  dataIntegrity: true,
  documentNotCopy: true,
  documentNotExpired: true,
  documentNotUnderage: true,
  liveness: true,
  otpValidation: false,
  similarityLevel: 87,
}
export const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) RAODesk/0.1.0 Chrome/140'

export const IMAGES = {
  document_front: jpegOf(640, 400),
  document_rear: jpegOf(640, 400),
  document_photo: pngOf(300, 360),
  document_owner: jpegOf(480, 640),
}
export const WEBM = readFileSync(VIDEOS.c)

/** A video cut into pieces of `size` bytes, as the page sends them. */
export const piecesOf = (video: Buffer, size: number) => {
  const pieces: string[] = []
  for (let at = 0; at < video.length; at += size)
    pieces.push(video.subarray(at, at + size).toString('base64'))
  return pieces
}

/** The app's services on the test's world, set up, with the capture documents' addresses set. */
export function captureApp(world: TestWorld, options: Parameters<typeof servicesFor>[4] = {}) {
  const progress: CaptureProgress[] = []
  const emit: Emit = (name, payload) => {
    if (name === 'captureProgress') progress.push(payload as CaptureProgress)
  }
  const app = servicesFor(world.dataDir, world.service, world.simulator.url, emit, options)
  app.handlers.saveSettings({ privacyPolicyUrl: PRIVACY, termsUrl: TERMS })
  return { app, progress }
}
export type CaptureApp = ReturnType<typeof captureApp>['app']

/** Sets the officer up and creates a Video ID at this desk: the one it may capture. */
export async function createdHere(app: CaptureApp) {
  await app.handlers.setUpCredentials(OFFICER)
  const { case: created } = await app.handlers.createVideoId({
    mobilePhoneNumber: DOCUMENT.mobilePhoneNumber,
    email: DOCUMENT.email,
    registrationAuthority: OFFICER.rao,
    profile: 'PFnubeQAFCiudadano',
  })
  return created
}

/** A wall clock that stands still until the test moves it. */
export function wallClock(start = Date.now()) {
  let at = start
  return {
    now: () => new Date(at),
    advance(ms: number) {
      at += ms
    },
  }
}

/** Records a video through the service as the page does: start, its pieces in order, the end. */
export async function record(app: CaptureApp, videoidPk: number, video = WEBM, pieceSize = 8192) {
  const { take } = await app.handlers.startCaptureVideo({
    videoidPk,
    type: 'video/webm',
    codecs: 'vp8',
    source: 'camera',
    devices: { camera: 'Integrated Camera', microphone: 'Headset Microphone' },
  })
  for (const [index, data] of piecesOf(video, pieceSize).entries())
    await app.handlers.appendCaptureVideo({ videoidPk, take, index, data })
  return app.handlers.endCaptureVideo({
    videoidPk,
    take,
    ended: 'stopped',
    durationMs: 3000,
    prompts: [
      { prompt: 'document_front', atMs: 0 },
      { prompt: 'document_rear', atMs: 1000 },
      { prompt: 'turn_head', atMs: 2000 },
    ],
  })
}

/** Every step of a capture, done through the handlers main serves to the page. */
export async function captureAll(app: CaptureApp, videoidPk: number) {
  await app.handlers.openCapture({ videoidPk })
  await app.handlers.saveCapture({ videoidPk, acceptance: { accepted: true, userAgent: USER_AGENT } })
  for (const [slot, image] of Object.entries(IMAGES))
    await app.handlers.saveCaptureImage({
      videoidPk,
      slot: slot as keyof typeof IMAGES,
      source: slot === 'document_photo' ? 'file' : 'camera',
      data: image.toString('base64'),
    })
  await app.handlers.saveCapture({ videoidPk, document: DOCUMENT, checks: CHECKS })
  return record(app, videoidPk)
}

export const capturesFolder = (dataDir: string) => path.join(dataDir, 'captures')
