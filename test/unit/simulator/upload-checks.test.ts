import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { VIDEOS } from '../../simulator/seed'
import { type Simulator, startSimulator } from '../../simulator/server'
import type { VideoCase } from '../../simulator/state'
import { jpegOf, pngOf } from '../../support/images'

// The simulator's own checks of an external-mode upload: every field the reference does not allow, and a
// video part that is not the one the reference asks for, is refused, and changes nothing. Bodies are
// written by hand here, not by the app's code, so a check that let a mismatch through would show.
let simulator: Simulator
let target: VideoCase
beforeEach(async () => {
  simulator = await startSimulator({ seed: false })
  target = simulator.state.addCase({
    mode: 'one-step',
    email: 'irene@example.org',
    mobilePhoneNumber: '+34600111222',
    registrationAuthority: '1400',
    profile: 'PFnubeQAFCiudadano',
  })
})
afterEach(() => simulator.close())

const jpeg = jpegOf(320, 240).toString('base64')
const png = pngOf(300, 300).toString('base64')
/** The reference's example body, with real images and its own similarity level as the integer it is typed as. */
const valid = () => ({
  acceptance: {
    description: 'User Accepted Terms and Conditions and Privacy Policy',
    'url-doc-privacypolicy': 'https://www.uanataca.com/public/pki/privacidad-PSC/',
    ip: '186.0.91.53',
    'url-web-videoid': 'https://cms.sandbox.uanataca.com/lcmpl/videoid/46b92251',
    'user-agent': 'Mozilla/5.0 (Linux; Android 11; AC2003)',
    date: '2026-11-28T10:00:00.000Z',
    'url-doc-termsconditions': 'https://www.uanataca.com/public/pki/terminos-VID/',
  },
  videoid_data: {
    images: { document_front: jpeg, document_rear: jpeg, document_photo: png, document_owner: jpeg },
    ocr_data: {
      given_name: 'Name',
      surname_1: 'Surname 1',
      surname_2: 'Surname 2',
      mobile_phone_number: '+34999999999',
      email: 'mail@domain',
      serial_number: 'A9999999E',
      id_document_type: 'IDC',
      id_document_country: 'ES',
    },
    security_checks: {
      otp_validation: true,
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

const post = (path: string, body: string | Uint8Array, contentType: string) =>
  fetch(`${simulator.url}/videoid/${target.videoidPk}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  })
const postEvidences = async (body: unknown) => {
  const answer = await post('/evidences', JSON.stringify(body), 'application/json')
  return { status: answer.status, json: (await answer.json()) as { details?: unknown } }
}

describe('the simulator checks the evidences field by field against the reference', () => {
  it('takes the reference’s own example, with real images, and moves the Video ID on', async () => {
    expect(await postEvidences(valid())).toEqual({
      status: 200,
      json: { status: 'success', message: 'VideoID evidences uploaded' },
    })
    expect(target.status).toBe('VIDEOINCOMPLETE')
    // A second one is refused as the RA words it (notes §1.5).
    const again = await postEvidences(valid())
    expect(again.status).toBe(500)
    expect(String(again.json.details)).toContain("Invalid VideoId status 'COMPLETE'")
  })

  const mismatches: [string, (body: ReturnType<typeof valid>) => void, string][] = [
    ['an unknown top-level field', (body) => Object.assign(body, { evidences: {} }), 'evidences'],
    [
      'a misspelt acceptance field',
      (body) => Object.assign(body.acceptance, { user_agent: 'x' }),
      'acceptance.user_agent',
    ],
    [
      'a date that is not a string',
      (body) => Object.assign(body.acceptance, { date: 1622823879708 }),
      'acceptance.date',
    ],
    ['no videoid_data', (body) => Object.assign(body, { videoid_data: undefined }), 'videoid_data'],
    [
      'an unknown image',
      (body) => Object.assign(body.videoid_data.images, { selfie: jpeg }),
      'videoid_data.images.selfie',
    ],
    [
      'an image as a data: URL',
      (body) => Object.assign(body.videoid_data.images, { document_front: `data:image/jpeg;base64,${jpeg}` }),
      'videoid_data.images.document_front',
    ],
    [
      'an image that is not one',
      (body) =>
        Object.assign(body.videoid_data.images, {
          document_rear: Buffer.from('%PDF-1.7 not an image').toString('base64'),
        }),
      'videoid_data.images.document_rear',
    ],
    [
      'a missing given name',
      (body) => Object.assign(body.videoid_data.ocr_data, { given_name: undefined }),
      'videoid_data.ocr_data.given_name',
    ],
    [
      'a blank first surname',
      (body) => Object.assign(body.videoid_data.ocr_data, { surname_1: '  ' }),
      'videoid_data.ocr_data.surname_1',
    ],
    [
      'a missing document number',
      (body) => Object.assign(body.videoid_data.ocr_data, { serial_number: undefined }),
      'videoid_data.ocr_data.serial_number',
    ],
    [
      'a document type outside the enum',
      (body) => Object.assign(body.videoid_data.ocr_data, { id_document_type: 'DNI' }),
      'videoid_data.ocr_data.id_document_type',
    ],
    [
      'a country that is not ISO alpha-2',
      (body) => Object.assign(body.videoid_data.ocr_data, { id_document_country: 'ESP' }),
      'videoid_data.ocr_data.id_document_country',
    ],
    [
      'a camelCase OCR field',
      (body) => Object.assign(body.videoid_data.ocr_data, { givenName: 'Name' }),
      'videoid_data.ocr_data.givenName',
    ],
    [
      'a check as a string',
      (body) => Object.assign(body.videoid_data.security_checks, { liveliness: 'true' }),
      'videoid_data.security_checks.liveliness',
    ],
    [
      'a check under another name',
      (body) => Object.assign(body.videoid_data.security_checks, { liveness: true }),
      'videoid_data.security_checks.liveness',
    ],
    [
      'a similarity above 100',
      (body) => Object.assign(body.videoid_data, { similarity_level: 101 }),
      'videoid_data.similarity_level',
    ],
    [
      'a similarity that is not whole',
      (body) => Object.assign(body.videoid_data, { similarity_level: 50.5 }),
      'videoid_data.similarity_level',
    ],
    [
      'a similarity in words, as the guide’s example',
      (body) => Object.assign(body.videoid_data, { similarity_level: 'high' }),
      'videoid_data.similarity_level',
    ],
  ]
  it.each(mismatches)('refuses %s, naming the field, and changes nothing', async (_name, spoil, field) => {
    const body = valid()
    spoil(body)
    const answer = await postEvidences(JSON.parse(JSON.stringify(body)))
    expect(answer.status).toBe(400)
    expect(Object.keys(answer.json.details as object)).toContain(field)
    expect(target.status).toBe('VIDEOPENDING')
    expect(target.hasEvidences).toBe(false)
  })
})

describe('the simulator checks the video’s multipart part', () => {
  const mp4 = readFileSync(VIDEOS.a)
  const webm = readFileSync(VIDEOS.c)
  const boundary = 'XyZ0123'
  const part = (headers: string, data: Buffer) =>
    Buffer.concat([Buffer.from(`--${boundary}\r\n${headers}\r\n\r\n`), data, Buffer.from('\r\n')])
  const form = (...parts: Buffer[]) => Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)])
  const videoHeaders = (filename: string, type: string, name = 'video') =>
    `Content-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${type}`
  const send = (body: Buffer, contentType = `multipart/form-data; boundary=${boundary}`) =>
    post('/video', new Uint8Array(body), contentType)

  it('takes one part named video, its type borne out by its bytes and its name', async () => {
    target.status = 'VIDEOINCOMPLETE'
    target.hasEvidences = true
    const answer = await send(form(part(videoHeaders('take.webm', 'video/webm'), webm)))
    expect(await answer.json()).toEqual({ status: 'success', message: 'VideoID video uploaded' })
    expect(target.status).toBe('VIDEOREVIEW')
    expect(readFileSync(target.video?.file ?? '')).toEqual(webm)
    expect(target.video?.contentType).toBe('video/webm')
  })

  it.each([
    ['another field name', form(part(videoHeaders('v.mp4', 'video/mp4', 'file'), mp4))],
    [
      'no file name',
      form(part('Content-Disposition: form-data; name="video"\r\nContent-Type: video/mp4', mp4)),
    ],
    ['no content type', form(part('Content-Disposition: form-data; name="video"; filename="v.mp4"', mp4))],
    ['a type that is not a video', form(part(videoHeaders('v.mp4', 'application/octet-stream'), mp4))],
    ['WebM bytes said to be MP4', form(part(videoHeaders('v.mp4', 'video/mp4'), webm))],
    ['a name that says another type', form(part(videoHeaders('v.mp4', 'video/webm'), webm))],
    ['an empty video', form(part(videoHeaders('v.mp4', 'video/mp4'), Buffer.alloc(0)))],
    [
      'two parts',
      form(part(videoHeaders('v.mp4', 'video/mp4'), mp4), part(videoHeaders('w.webm', 'video/webm'), webm)),
    ],
    ['no closing boundary', part(videoHeaders('v.mp4', 'video/mp4'), mp4)],
  ])('refuses %s, and changes nothing', async (_name, body) => {
    const answer = await send(body)
    expect(answer.status).toBe(400)
    expect(target.video).toBeUndefined()
    expect(target.status).toBe('VIDEOPENDING')
  })

  it('refuses a body that is not multipart', async () => {
    expect((await send(mp4, 'video/mp4')).status).toBe(400)
    expect(target.video).toBeUndefined()
  })

  it('cuts an upload halfway when told, and nothing arrives', async () => {
    simulator.inject({ route: 'POST /videoid/*/video', fault: { kind: 'cut' } })
    await expect(send(form(part(videoHeaders('v.mp4', 'video/mp4'), mp4)))).rejects.toThrow()
    expect(target.video).toBeUndefined()
    expect(simulator.requests.at(-1)?.path).toBe(`/oneshot/api/v1/videoid/${target.videoidPk}/video`)
  })
})
