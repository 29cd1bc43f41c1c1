import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Page } from '@playwright/test'
import { startHarness } from '../harness/server'
import { DEFAULT_RAO } from '../simulator/seed'
import { pngOf } from '../support/images'
import { cleanKeychain } from '../support/keychain'
import { expect, test } from './fixtures'
import { setUpByKeyboard, tabTo } from './keyboard'
import { unlockWithPin } from './review'

// Capture at the desk in real Chromium, recording through `getUserMedia` and `MediaRecorder` from
// Chromium's fake camera and microphone: the camera shows a clip made here with ffmpeg.
const folder = mkdtempSync(path.join(tmpdir(), 'rao-capture-e2e-'))
const CLIP = path.join(folder, 'signer.y4m')
execFileSync('ffmpeg', [
  ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x480:rate=15', '-t', '3'],
  ...['-pix_fmt', 'yuv420p', '-y', CLIP],
])
const FAKE_DEVICES = ['--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${CLIP}`]

/** The project's launch options, with Chromium's fake capture devices added for this file. */
test.use({
  launchOptions: [
    async ({ launchOptions }, use) =>
      use({ ...launchOptions, args: [...(launchOptions.args ?? []), ...FAKE_DEVICES] }),
    { scope: 'worker' },
  ],
  permissions: ['camera', 'microphone'],
})

const PRIVACY = 'https://ra.example/legal/privacy'
const TERMS = 'https://ra.example/legal/terms-videoid'

/** The addresses of the documents the signer accepts, from the settings screen. */
async function setDocuments(page: Page) {
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click()
  await page.getByLabel('Address of the privacy policy').fill(PRIVACY)
  await page.getByLabel('Address of the terms and conditions').fill(TERMS)
  await page.keyboard.press('Control+s')
  await expect(page.getByText('Settings saved.')).toBeVisible()
}

/** A new Video ID from "Add cases", then into its capture. Answers its pk. */
async function newVideoIdToCapture(page: Page): Promise<number> {
  await page.getByRole('navigation').getByRole('button', { name: 'Add cases' }).click()
  await page.getByLabel('Signer’s mobile phone').fill('+34 600 111 222')
  await page.getByLabel('Signer’s email').fill('irene.quintanilla@example.org')
  // The registration authority and profile come from the Optimizer's settings: wait for them.
  await expect(page.getByLabel('Certificate profile')).toHaveValue('PFnubeQAFCiudadano')
  await page.getByRole('button', { name: 'Create Video ID' }).click()
  const number = await page.locator('.created-number strong').textContent()
  await page.getByRole('button', { name: 'Capture it at this desk' }).click()
  await expect(
    page.getByRole('heading', { level: 1, name: `Capture at the desk: Video ID ${number}` }),
  ).toBeFocused()
  return Number(number)
}

const step = (page: Page, name: RegExp) =>
  page.getByRole('navigation', { name: 'Steps of the capture' }).getByRole('button', { name })

async function accept(page: Page) {
  await step(page, /Acceptance/).click()
  await expect(page.getByText(PRIVACY)).toBeVisible()
  await page.getByLabel('The signer read and accepted').check()
  await page.getByRole('button', { name: 'Record the acceptance' }).click()
  await expect(page.getByText(/^Accepted at .*, at this desk/)).toBeVisible()
}

/** Three pictures from the camera's live view, the document's photo from a file. */
async function takeImages(page: Page) {
  await step(page, /Document images/).click()
  await page.getByRole('button', { name: 'Turn the camera on' }).click()
  await expect(page.getByLabel('Camera', { exact: true })).toHaveValue(/.+/)
  for (const slot of ['Front of the document', 'Back of the document', 'The signer’s face']) {
    const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: slot }) })
    await card.getByRole('button', { name: 'Take from the camera' }).click()
    // A still waits for the camera's first frame: Chromium's fake camera, reading a .y4m file, can take
    // well over the usual wait to start on a loaded two-core machine.
    await expect(card.getByRole('img', { name: `${slot}, as kept` })).toBeVisible({ timeout: 30_000 })
    await expect(card.getByText(/^640 × 480, from the camera/)).toBeVisible()
  }
  await page.getByLabel('Choose a file: Photo on the document').setInputFiles({
    name: 'photo.png',
    mimeType: 'image/png',
    buffer: pngOf(300, 360),
  })
  await expect(page.getByText(/^300 × 360, from a file/)).toBeVisible()
}

async function documentData(page: Page) {
  await step(page, /Document data/).click()
  // What the case holds of the signer is there already.
  await expect(page.getByLabel('Email')).toHaveValue('irene.quintanilla@example.org')
  await page.getByLabel('Given name').fill('Irene')
  await page.getByLabel('First surname').fill('Quintanilla')
  await page.getByLabel('Second surname').fill('Ybarra')
  await page.getByLabel('Document number').fill('73920416X')
  await page.getByLabel('Country of the document').fill('es')
  await page.getByRole('button', { name: 'Save the data' }).click()
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible()
}

async function checks(page: Page) {
  await step(page, /Checks/).click()
  for (const label of [
    'The document matches the official registers',
    'The document’s data is intact',
    'The document is not a copy',
    'The document has not expired',
    'The signer is not under age',
    'The signer is a live person, present (liveness)',
  ])
    await page.getByLabel(label).check()
  await page.getByLabel('Similarity of the face to the document’s photo').fill('92')
  await page.getByRole('button', { name: 'Save the checks' }).click()
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible()
}

/** Every step but the video, done. */
async function evidences(page: Page) {
  await accept(page)
  await takeImages(page)
  await documentData(page)
  await checks(page)
}

const PROMPTS = [
  'Show the front of your document to the camera',
  'Now show the back of your document',
  'Turn your head slowly to the left, then to the right',
]

/** Records from the fake camera: each prompt shown in turn, moved on with N; stops with R. */
async function recordVideo(page: Page) {
  await step(page, /Video/).click()
  await page.getByRole('button', { name: 'Turn the camera and microphone on' }).click()
  await expect(page.getByLabel('Microphone')).toHaveValue(/.+/)
  await expect(page.getByLabel('Live view of the camera')).toBeVisible()
  await tabTo(page, page.getByRole('button', { name: /Start recording/ }))
  await page.keyboard.press('r')
  for (const [index, prompt] of PROMPTS.entries()) {
    await expect(page.getByText(`Prompt ${index + 1} of 3`)).toBeVisible()
    await expect(page.getByText(prompt)).toBeVisible()
    await page.waitForTimeout(1200)
    if (index < PROMPTS.length - 1) await page.keyboard.press('n')
  }
  await expect(page.getByRole('timer', { name: 'Recorded time' })).toHaveText(/^0:0[3-9]$/)
  await page.keyboard.press('r')
  await expect(page.getByText(/^Recorded: 0:0\d, \d+ kB, (WebM|MP4)/)).toBeVisible({ timeout: 15_000 })
}

const uploadEntries = (page: Page) =>
  page.evaluate(async () => {
    const journal = await window.rao.getJournal()
    if (!journal.ok) throw new Error('the journal could not be read')
    return journal.value.entries.flatMap((entry) => (entry.type === 'upload' ? [entry] : []))
  })

test('a new Video ID captured at the desk: acceptance, images, data, checks, a recorded video with prompts, uploaded to review, and it plays', async ({
  app,
  harness,
  simulator,
}) => {
  test.setTimeout(120_000)
  await setUpByKeyboard(app)
  await setDocuments(app)
  const videoidPk = await newVideoIdToCapture(app)
  await evidences(app)
  await recordVideo(app)
  // Each prompt is listed with the time it was shown.
  const shown = app.locator('.prompts-shown li')
  await expect(shown).toHaveCount(3)
  await expect(shown.nth(0)).toHaveText(`0:00 ${PROMPTS[0]}`)
  // The recording plays back from main, decrypted as it is read.
  await app.getByLabel('The video kept', { exact: true }).evaluate((video: HTMLVideoElement) => {
    video.muted = true
    return video.play()
  })
  await app.waitForFunction(
    () => (document.querySelector<HTMLVideoElement>('.capture-preview')?.currentTime ?? 0) > 0.3,
  )

  // The answer to the video waits a moment: the progress shows the whole video sent meanwhile.
  simulator.inject({ route: 'POST /videoid/*/video', fault: { kind: 'latency', ms: 1500 } })
  await step(app, /Upload/).click()
  await expect(app.getByText('Everything is there.')).toBeVisible()
  await app.getByRole('button', { name: 'Upload to the Optimizer' }).click()
  const bar = app.getByRole('progressbar', { name: 'Upload of the video' })
  await expect(bar).toBeVisible()
  await expect.poll(() => bar.evaluate((element: HTMLProgressElement) => element.value)).toBeGreaterThan(0)
  await expect(app.getByText(/^Uploaded\. The Video ID is now: Video review\./)).toBeVisible({
    timeout: 15_000,
  })
  const progress = harness.transcript.filter((line) => line.includes('"phase":"video"'))
  expect(progress.length).toBeGreaterThan(0)

  // On the simulator: in review; the evidences as the reference names them; the clip decodes and lasts as recorded.
  const target = simulator.state.cases.get(videoidPk)
  expect(target?.status).toBe('VIDEOREVIEW')
  expect(target?.evidences?.videoid_data).toMatchObject({
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
  })
  const file = target?.video?.file ?? ''
  // Every frame of every stream decodes, with no error said (the decoders' own words at -v error).
  const decoded = spawnSync('ffprobe', [
    ...['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_type,nb_read_frames'],
    ...['-of', 'csv=p=0', file],
  ])
  expect(decoded.status).toBe(0)
  expect(decoded.stderr.toString()).toBe('')
  const frames = Object.fromEntries(
    decoded.stdout
      .toString()
      .trim()
      .split('\n')
      .map((line) => line.split(',')),
  )
  expect(Number(frames.video)).toBeGreaterThan(15 * 3 * 0.8)
  expect(Number(frames.audio)).toBeGreaterThan(0)
  const lastFrame = execFileSync('ffprobe', [
    ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,duration_time'],
    ...['-of', 'csv=p=0', file],
  ])
    .toString()
    .trim()
    .split('\n')
    .map((line) => line.split(',').map(Number))
    .reduce(
      (last, [pts = 0, duration = 0]) => Math.max(last, pts + (Number.isFinite(duration) ? duration : 0)),
      0,
    )
  const video = (await uploadEntries(app)).find(
    (entry) => entry.part === 'video' && entry.phase === 'intended',
  )
  const recorded = (video?.sent?.durationMs ?? 0) / 1000
  expect(recorded).toBeGreaterThan(3)
  expect(Math.abs(lastFrame - recorded)).toBeLessThan(0.5)
  // The prompts' times went with it: shown in order, the first as the recording began.
  expect(video?.sent?.prompts?.map((prompt) => prompt.prompt)).toEqual([
    'document_front',
    'document_rear',
    'turn_head',
  ])
  const times = video?.sent?.prompts?.map((prompt) => prompt.atMs) ?? []
  expect(times[0]).toBeLessThan(100)
  expect(times[1]).toBeGreaterThan(1000)
  expect(times[2]).toBeGreaterThan(times[1] ?? 0)

  // The case opens in review, and its video plays.
  await app.getByRole('button', { name: 'Open the case' }).click()
  await expect(app.locator('.badges')).toContainText('Video review')
  await expect(app.locator('.player video')).toBeAttached()
  await app.keyboard.press('Space')
  await app.waitForFunction(
    () => (document.querySelector<HTMLVideoElement>('.player video')?.currentTime ?? 0) > 0.3,
  )
})

test('the camera gone mid-recording: said so, and what was recorded is kept and can be uploaded', async ({
  app,
  simulator,
}) => {
  test.setTimeout(90_000)
  await setUpByKeyboard(app)
  await setDocuments(app)
  const videoidPk = await newVideoIdToCapture(app)
  await step(app, /Video/).click()
  await app.getByRole('button', { name: 'Turn the camera and microphone on' }).click()
  await app.getByRole('button', { name: /Start recording/ }).click()
  await expect(app.getByRole('timer', { name: 'Recorded time' })).toHaveText('0:02', { timeout: 10_000 })
  // The camera is unplugged: its track ends, as the browser ends it.
  await app.getByLabel('Live view of the camera').evaluate((element: HTMLVideoElement) => {
    const track = (element.srcObject as MediaStream).getVideoTracks()[0]
    track?.stop()
    track?.dispatchEvent(new Event('ended'))
  })
  await expect(
    app.getByText(/^The camera or microphone stopped during the recording\. What was recorded/),
  ).toBeVisible({
    timeout: 15_000,
  })
  await expect(app.getByText(/^Recorded: 0:0[2-3], \d+ kB/)).toBeVisible()

  // Record again: asked first (Esc keeps it), then the kept video is replaced by a new one.
  await app.getByRole('button', { name: 'Record again' }).click()
  await expect(app.getByRole('dialog')).toContainText('The video kept is deleted from this computer.')
  await expect(app.getByRole('button', { name: 'Keep it' })).toBeFocused()
  await app.keyboard.press('Escape')
  await expect(app.getByRole('dialog')).toBeHidden()
  await expect(app.getByText(/^Recorded: 0:0[2-3], \d+ kB/)).toBeVisible()
  await app.getByRole('button', { name: 'Record again' }).click()
  await app.getByRole('button', { name: 'Delete it and record again' }).click()
  await app.getByRole('button', { name: 'Turn the camera and microphone on' }).click()
  await app.getByRole('button', { name: /Start recording/ }).click()
  await expect(app.getByRole('timer', { name: 'Recorded time' })).toHaveText('0:01', { timeout: 10_000 })
  await app.getByRole('button', { name: /Stop recording/ }).click()
  await expect(app.getByText(/^Recorded: 0:0[1-2], \d+ kB/)).toBeVisible({ timeout: 15_000 })
  await expect(app.getByText(/camera or microphone stopped during the recording/)).toBeHidden()

  await evidences(app)
  await step(app, /Upload/).click()
  await app.getByRole('button', { name: 'Upload to the Optimizer' }).click()
  await expect(app.getByText(/^Uploaded\. The Video ID is now: Video review\./)).toBeVisible({
    timeout: 15_000,
  })
  expect(simulator.state.cases.get(videoidPk)?.video).toBeDefined()
})

test('bad input gets a message by its field and sends nothing; an upload cut halfway loses nothing, and goes again once settled and confirmed; a restart keeps the capture', async ({
  page,
  simulator,
}) => {
  test.setTimeout(150_000)
  // A data folder and keychain of the test's own, so that the app can be closed and started again on them.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rao-capture-restart-'))
  const keychainService = `rao-desk-e2e-${randomBytes(6).toString('hex')}`
  // A settle window of a second: a lost answer that still shows missing once it is over may go again.
  const settle = { windowMs: 1000, readEveryMs: 60_000 }
  let harness = await startHarness({ optimizerUrl: simulator.url, dataDir, keychainService, settle })
  try {
    await page.goto(harness.url)
    await setUpByKeyboard(page)
    await setDocuments(page)
    const videoidPk = await newVideoIdToCapture(page)

    // Pictures that are not one, too large, too small: each said by its field, nothing kept.
    await step(page, /Document images/).click()
    const front = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: 'Front of the document' }) })
    const choose = (name: string, mimeType: string, buffer: Buffer) =>
      page.getByLabel('Choose a file: Front of the document').setInputFiles({ name, mimeType, buffer })
    await choose('id.jpg', 'image/jpeg', Buffer.from('%PDF-1.7 this is a document, not a picture'))
    await expect(front.getByText('This file is not a JPEG or PNG picture.')).toBeVisible()
    await choose('huge.png', 'image/png', Buffer.concat([pngOf(300, 300), Buffer.alloc(21 * 1024 * 1024)]))
    await expect(front.getByText('This file is larger than 21.0 MB.')).toBeVisible()
    await choose('tiny.png', 'image/png', pngOf(200, 120))
    await expect(
      front.getByText('This picture is too small to check: at least 240 pixels on its shorter side.'),
    ).toBeVisible()
    await expect(front.getByText('Not taken yet.')).toBeVisible()

    // Data the API would refuse: said by the field, nothing saved.
    await step(page, /Document data/).click()
    await page.getByLabel('Given name').fill('Irene')
    await page.getByLabel('Country of the document').fill('E1')
    await page.getByRole('button', { name: 'Save the data' }).click()
    await expect(page.getByLabel('First surname')).toBeFocused()
    await expect(page.getByText('Two letters, the country’s ISO code, as ES or IT.')).toBeVisible()
    await expect(step(page, /Document data/)).toContainText('to do')

    // Missing required data: the upload says what, and cannot start.
    await step(page, /Upload/).click()
    await expect(page.getByText(/^Still missing: the acceptance, the front of the document/)).toBeVisible()
    await expect(page.getByRole('button', { name: 'Upload to the Optimizer' })).toBeDisabled()

    await evidences(page)
    await recordVideo(page)

    // The upload is cut halfway through the video: a message, and the capture stays whole.
    simulator.inject({ route: 'POST /videoid/*/video', fault: { kind: 'cut' } })
    await step(page, /Upload/).click()
    await page.getByRole('button', { name: 'Upload to the Optimizer' }).click()
    await expect(page.getByText(/^The upload was cut off, or its answer was lost/)).toBeVisible({
      timeout: 15_000,
    })
    await expect(
      page.getByText('The evidences are on the Optimizer: what they carry is no longer changed here.'),
    ).toBeVisible()
    expect(simulator.state.cases.get(videoidPk)?.status).toBe('VIDEOINCOMPLETE')

    // Closing the app keeps it, sealed: a new start shows the capture as it was, and the upload ends it.
    await harness.close()
    harness = await startHarness({ optimizerUrl: simulator.url, dataDir, keychainService, settle })
    await page.goto(harness.url)
    await unlockWithPin(page)
    await page.getByRole('navigation').getByRole('button', { name: 'Queue' }).click()
    await page.getByRole('button', { name: /^All/ }).click()
    await page.getByLabel('Search').fill(String(videoidPk))
    await page.getByRole('option').first().click()
    await page.getByRole('button', { name: 'Capture at this desk' }).click()
    await expect(step(page, /Video/)).toContainText('done')
    await step(page, /Upload/).click()
    await expect(page.getByText(/^The last upload did not get a clear answer/)).toBeVisible()
    // Part of it may be on the Optimizer: no discarding it.
    await expect(page.getByRole('button', { name: 'Discard this capture' })).toBeHidden()
    // The status, read again, still shows the video missing after the whole window (counted from the
    // lost answer, as the journal has it): sent again only once the officer confirms it.
    const lost = (await uploadEntries(page)).find(
      (entry) => entry.part === 'video' && entry.phase === 'unknown',
    )
    await page.waitForTimeout(Math.max(0, Date.parse(lost?.time ?? '') + settle.windowMs + 50 - Date.now()))
    const send = page.getByRole('button', { name: 'Upload to the Optimizer' })
    await send.click()
    await expect(page.getByText(/^The last upload was never confirmed by an answer/)).toBeVisible()
    await expect(send).toBeDisabled()
    const videoPosts = () =>
      simulator.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/video'))
    expect(videoPosts()).toHaveLength(1)
    await page
      .getByLabel(
        'I know that the earlier upload’s fate was never confirmed by an answer, and I send it again.',
      )
      .check()
    await send.click()
    await expect(page.getByText(/^Uploaded\. The Video ID is now: Video review\./)).toBeVisible({
      timeout: 15_000,
    })
    const posts = simulator.requests.filter((request) => request.method === 'POST')
    expect(posts.filter((request) => request.path.endsWith('/evidences'))).toHaveLength(1)
    expect(posts.filter((request) => request.path.endsWith('/video'))).toHaveLength(2)
  } finally {
    await harness.close()
    await cleanKeychain(keychainService)
  }
})

test('leaving mid-recording keeps its end and its prompts: Esc ends it first; a lock keeps what reached main, prompts too', async ({
  app,
}) => {
  test.setTimeout(90_000)
  await setUpByKeyboard(app)
  await setDocuments(app)
  await newVideoIdToCapture(app)
  const recordTwoSeconds = async () => {
    await step(app, /Video/).click()
    await app.getByRole('button', { name: 'Turn the camera and microphone on' }).click()
    // The first prompt, or a message saying why the recording did not start (its words then fail the test).
    // On a loaded machine the first press after "Delete it and record again" has twice been seen to start
    // nothing, leaving the step idle with Start enabled (cause not found; noted): pressed again then.
    const said = app.getByRole('alert').filter({ hasText: /\S/ })
    const start = app.getByRole('button', { name: /Start recording/ })
    await expect(async () => {
      if ((await start.count()) && (await start.isEnabled())) await start.click()
      await expect(
        app
          .getByText(PROMPTS[0] ?? '')
          .or(said)
          .first(),
      ).toBeVisible({ timeout: 6_000 })
    }).toPass({ timeout: 30_000 })
    expect(await said.allTextContents()).toEqual([])
    await app.keyboard.press('n')
    await expect(app.getByText(PROMPTS[1] ?? '')).toBeVisible()
    await expect(app.getByRole('timer', { name: 'Recorded time' })).toHaveText(/^0:(0[2-9]|[1-5]\d)$/, {
      timeout: 10_000,
    })
  }
  const backToCapture = async () => {
    await app.getByRole('button', { name: 'Capture at this desk' }).click()
    await step(app, /Video/).click()
  }
  const shown = app.locator('.prompts-shown li')

  // Esc mid-recording: back on the case, and the recording was ended, its length and prompts with it.
  await recordTwoSeconds()
  await app.keyboard.press('Escape')
  await backToCapture()
  await expect(app.getByText(/^Recorded: 0:(0[2-9]|[1-5]\d), \d+ kB/)).toBeVisible({ timeout: 15_000 })
  await expect(shown).toHaveCount(2)
  await expect(shown.nth(1)).toContainText(PROMPTS[1] ?? '')
  await expect(app.getByText(/was cut off/)).toBeHidden()

  // Recorded again, then the desk locks mid-recording: main refuses the rest, and keeps what reached it.
  await app.getByRole('button', { name: 'Record again' }).click()
  await app.getByRole('button', { name: 'Delete it and record again' }).click()
  await recordTwoSeconds()
  await app.keyboard.press('Control+l')
  await expect(app.getByLabel('PIN')).toBeFocused()
  await app.keyboard.type(DEFAULT_RAO.pin)
  await app.keyboard.press('Enter')
  await step(app, /Video/).click()
  // Whether the page's end of the recording reached main before the lock or after the PIN, the take is
  // kept whole as far as it went: ended, or cut off where main stopped taking pieces.
  await expect(
    app.getByText(/^(This recording was cut off|Recorded: 0:(0[1-9]|[1-5]\d), \d+ kB)/),
  ).toBeVisible({
    timeout: 15_000,
  })
  await expect(shown).toHaveCount(2)
  await expect(shown.nth(1)).toContainText(PROMPTS[1] ?? '')
})

test('a frame Chromium cannot copy is taken again from the next; a camera that shows none, or a copy that never comes, says so by the deadline, and the card is free again', async ({
  app,
}) => {
  await setUpByKeyboard(app)
  await setDocuments(app)
  await newVideoIdToCapture(app)
  await step(app, /Document images/).click()
  await app.getByRole('button', { name: 'Turn the camera on' }).click()
  await expect(app.getByLabel('Camera', { exact: true })).toHaveValue(/.+/)
  // Chromium refuses to copy a frame that is gone before it is read (seen on a busy machine): the first
  // `refusals` copies of the live view are refused as Chromium refuses them.
  const refuseCopies = (refusals: number) =>
    app.evaluate((count) => {
      const original = window.createImageBitmap.bind(window) as (
        source: ImageBitmapSource,
      ) => Promise<ImageBitmap>
      let left = count
      window.createImageBitmap = ((source: ImageBitmapSource) => {
        if (source instanceof HTMLVideoElement && left-- > 0)
          return Promise.reject(
            new DOMException('The ImageBitmap could not be allocated.', 'InvalidStateError'),
          )
        return original(source)
      }) as typeof window.createImageBitmap
    }, refusals)
  const front = app
    .getByRole('listitem')
    .filter({ has: app.getByRole('heading', { name: 'Front of the document' }) })
  const take = front.getByRole('button', { name: 'Take from the camera' })

  await refuseCopies(3)
  await take.click()
  await expect(front.getByRole('img', { name: 'Front of the document, as kept' })).toBeVisible({
    timeout: 30_000,
  })

  const back = app
    .getByRole('listitem')
    .filter({ has: app.getByRole('heading', { name: 'Back of the document' }) })
  await refuseCopies(Number.MAX_SAFE_INTEGER)
  await back.getByRole('button', { name: 'Take from the camera' }).click()
  await expect(back.getByText('The camera shows no picture yet: try again in a moment.')).toBeVisible()
  await expect(back.getByRole('img', { name: 'Back of the document, as kept' })).toHaveCount(0)
  await expect(back).toHaveAttribute('aria-busy', 'false')
  await expect(back.getByRole('button', { name: 'Take from the camera' })).toBeEnabled()

  // A copy that never settles (a stalled camera): the still's five seconds bound it too.
  await app.evaluate(() => {
    const original = window.createImageBitmap.bind(window) as (
      source: ImageBitmapSource,
    ) => Promise<ImageBitmap>
    window.createImageBitmap = ((source: ImageBitmapSource) =>
      source instanceof HTMLVideoElement
        ? new Promise<ImageBitmap>(() => undefined)
        : original(source)) as typeof window.createImageBitmap
  })
  const face = app
    .getByRole('listitem')
    .filter({ has: app.getByRole('heading', { name: 'The signer’s face' }) })
  const asked = Date.now()
  await face.getByRole('button', { name: 'Take from the camera' }).click()
  await expect(face).toHaveAttribute('aria-busy', 'true')
  await expect(face.getByText('The camera shows no picture yet: try again in a moment.')).toBeVisible({
    timeout: 8_000,
  })
  expect(Date.now() - asked).toBeGreaterThanOrEqual(4_500)
  await expect(face).toHaveAttribute('aria-busy', 'false')
  await expect(face.getByRole('button', { name: 'Take from the camera' })).toBeEnabled()
  await expect(face.getByRole('img', { name: 'The signer’s face, as kept' })).toHaveCount(0)
})

test('a file that cannot be read, or a picture that cannot be prepared, says so by its field, keeps nothing, and the card is free again', async ({
  app,
}) => {
  await setUpByKeyboard(app)
  await setDocuments(app)
  await newVideoIdToCapture(app)
  await step(app, /Document images/).click()
  const front = app
    .getByRole('listitem')
    .filter({ has: app.getByRole('heading', { name: 'Front of the document' }) })
  const choose = () =>
    app.getByLabel('Choose a file: Front of the document').setInputFiles({
      name: 'front.png',
      mimeType: 'image/png',
      buffer: pngOf(400, 300),
    })
  // Each failure once, as Chromium gives it: the next call goes through again.
  const failOnce = (what: 'read' | 'context' | 'encoder' | 'bytes') =>
    app.evaluate((what) => {
      const { arrayBuffer } = Blob.prototype
      const { getContext, toBlob } = HTMLCanvasElement.prototype
      const refuse = (name: string) => Promise.reject(new DOMException('The blob could not be read.', name))
      if (what === 'read')
        // The file moved or changed since it was chosen.
        Blob.prototype.arrayBuffer = () => {
          Blob.prototype.arrayBuffer = arrayBuffer
          return refuse('NotReadableError')
        }
      else if (what === 'bytes')
        // The JPEG made, but its bytes cannot be read back.
        Blob.prototype.arrayBuffer = function (this: Blob) {
          if (this.type !== 'image/jpeg') return arrayBuffer.call(this)
          Blob.prototype.arrayBuffer = arrayBuffer
          return refuse('NotReadableError')
        }
      else if (what === 'context')
        // No 2D context (a lost graphics context, no memory).
        HTMLCanvasElement.prototype.getContext = (() => {
          HTMLCanvasElement.prototype.getContext = getContext
          return null
        }) as typeof getContext
      // The encoder gives nothing (a canvas too large for the memory left).
      else
        HTMLCanvasElement.prototype.toBlob = (callback: BlobCallback) => {
          HTMLCanvasElement.prototype.toBlob = toBlob
          callback(null)
        }
    }, what)
  const said = async (text: string) => {
    await expect(front.getByText(text)).toBeVisible()
    await expect(front).toHaveAttribute('aria-busy', 'false')
    await expect(front.getByRole('button', { name: 'Choose a file' })).toBeEnabled()
    await expect(front.getByText('Not taken yet.')).toBeVisible()
  }

  await failOnce('read')
  await choose()
  await said('This file could not be read: choose it again.')
  for (const what of ['context', 'encoder', 'bytes'] as const) {
    await failOnce(what)
    await choose()
    await said('This picture could not be prepared: try again.')
  }
  // Nothing was kept on the way, and the same file goes through now.
  await choose()
  await expect(front.getByRole('img', { name: 'Front of the document, as kept' })).toBeVisible()
  await expect(front.getByText(/^400 × 300, from a file/)).toBeVisible()
})

test.describe('with the camera refused', () => {
  test.use({ permissions: [] })

  test('a denied permission is said, and the capture goes on with files', async ({ app, simulator }) => {
    await setUpByKeyboard(app)
    await setDocuments(app)
    await newVideoIdToCapture(app)
    await step(app, /Video/).click()
    await app.getByRole('button', { name: 'Turn the camera and microphone on' }).click()
    await expect(
      app.getByRole('alert').filter({ hasText: 'Access to the camera and microphone was refused.' }),
    ).toBeVisible()
    await expect(app.getByRole('button', { name: /Start recording/ })).toBeDisabled()
    // The pictures can still come from files; what was kept stays.
    await step(app, /Document images/).click()
    await app.getByRole('button', { name: 'Turn the camera on' }).click()
    await expect(
      app.getByRole('alert').filter({ hasText: 'Access to the camera and microphone was refused.' }),
    ).toBeVisible()
    await app.getByLabel('Choose a file: Photo on the document').setInputFiles({
      name: 'photo.png',
      mimeType: 'image/png',
      buffer: pngOf(300, 360),
    })
    await expect(app.getByText(/^300 × 360, from a file/)).toBeVisible()
    expect(
      simulator.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/video')),
    ).toEqual([])
  })
})
