import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import keytar from '@github/keytar'
import type { Page } from '@playwright/test'
import { VIDEOS, writeVideoWithIndexFar } from '../simulator/seed'
import { filesUnder, plaintextIn } from '../support/plaintext-scan'
import { expect, test } from './fixtures'
import { setUpByKeyboard, tabTo } from './keyboard'

const LUCIA = '16673,923056' // in review; her video is signer-a.mp4, 3 s, index at the front
const video = (page: Page) => page.locator('video')
const media = (page: Page) =>
  video(page).evaluate((element: HTMLVideoElement) => ({
    time: element.currentTime,
    duration: element.duration,
    paused: element.paused,
    rate: element.playbackRate,
  }))

/** Space plays the video; answers whether it played while the download was still running. */
async function playsWhileDownloading(page: Page): Promise<boolean> {
  await expect(video(page)).toBeAttached()
  await page.evaluate(() => {
    const element = document.querySelector('video')
    element?.addEventListener('timeupdate', () => {
      if (element.currentTime > 0 && document.querySelector('progress'))
        Object.assign(window, { playedWhileDownloading: true })
    })
  })
  await page.keyboard.press('Space')
  await expect(page.getByText(/^Saved on this computer/)).toBeVisible({ timeout: 20_000 })
  return page.evaluate(() => 'playedWhileDownloading' in window)
}

async function openFirstCase(page: Page) {
  await tabTo(page, page.getByRole('listbox', { name: 'Cases' }))
  await page.keyboard.press('Enter')
  await expect(page.getByRole('heading', { name: 'Lucía García Moreno' })).toBeFocused()
}

/** Back to the queue and into the case again: its video opens anew, from the cache if it is there. */
async function reopenCase(page: Page) {
  await page.keyboard.press('Escape')
  await expect(page.getByRole('heading', { name: 'Video ID queue' })).toBeVisible()
  await page.keyboard.press('Enter')
  await expect(page.getByRole('heading', { name: 'Lucía García Moreno' })).toBeFocused()
}

/** Space plays the video; resolves once it has played a little. */
async function plays(page: Page) {
  await expect(video(page)).toBeAttached()
  await page.keyboard.press('Space')
  await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 0.2)
}

test('the video downloads with progress, plays before it ends, and answers every control from the keyboard', async ({
  app,
  harness,
  simulator,
}) => {
  await setUpByKeyboard(app)
  await harness.cases.addPairs(LUCIA)
  // A little faster than the video's own bit rate, so its 3 s take about 2.5 s to arrive.
  simulator.setVideoRate(18 * 1024)
  await openFirstCase(app)

  // Downloading, with progress; space plays it, and it plays before the download ends.
  await expect(app.getByRole('progressbar', { name: 'Download of the video' })).toBeVisible()
  expect(await playsWhileDownloading(app)).toBe(true)

  // Seek to 75 %: the player's position lands there.
  await app.keyboard.press('Space')
  const { duration } = await media(app)
  await app.getByRole('slider', { name: 'Position in the video' }).fill(String(duration * 0.75))
  await expect.poll(async () => (await media(app)).time).toBeCloseTo(duration * 0.75, 1)
  // Off the slider (its arrows are its own) to a button: the player's keys work there.
  await tabTo(app, app.getByRole('button', { name: 'Full screen' }))

  // Speed: ] faster, [ slower.
  await app.keyboard.press(']')
  await expect.poll(async () => (await media(app)).rate).toBe(1.25)
  await expect(app.getByLabel('Speed')).toHaveValue('1.25')
  await app.keyboard.press('[')
  await app.keyboard.press('[')
  await expect.poll(async () => (await media(app)).rate).toBe(0.75)

  // One frame forward while paused (the video has 15 frames a second), then back.
  const before = (await media(app)).time
  await app.keyboard.press('.')
  await expect.poll(async () => (await media(app)).time - before).toBeGreaterThan(0.01)
  expect((await media(app)).time - before).toBeLessThanOrEqual(1 / 15 + 0.001)
  expect((await media(app)).paused).toBe(true)
  await app.keyboard.press(',')
  await expect.poll(async () => (await media(app)).time).toBeCloseTo(before, 2)

  // A snapshot of the frame shown, kept with the case.
  await app.keyboard.press('s')
  await expect(app.getByText(/^Snapshot of 0:0\d kept with the case\./)).toBeVisible()
  const snapshot = app.getByRole('img', { name: /^Frame at 0:0\d$/ })
  await expect(snapshot).toBeVisible()
  // Read once the picture has loaded: visible comes first.
  await expect.poll(() => snapshot.evaluate((image: HTMLImageElement) => image.naturalWidth)).toBe(320)

  // The Optimizer goes away: the case opens again from the cache and plays.
  await simulator.close()
  await reopenCase(app)
  await expect(app.getByText(/^Saved on this computer/)).toBeVisible()
  await plays(app)
  await expect(snapshot).toBeVisible()

  // All of it was played and shown from the cache, where nothing of the video or the frame lies in the clear.
  const cache = path.join(harness.dataDir, 'video-cache')
  expect(
    filesUnder(cache)
      .map((file) => path.basename(file).replace(/^[\w-]+?(?=\.)/, '<id>'))
      .sort(),
  ).toEqual(['<id>.json', '<id>.png.enc', '<id>.video.enc'])
  expect(plaintextIn(cache, [readFileSync(VIDEOS.a)])).toEqual([])
})

test('a video whose index comes last starts playing while it downloads too', async ({
  app,
  harness,
  simulator,
}) => {
  const late = path.join(harness.dataDir, 'index-last.mp4')
  writeVideoWithIndexFar(late)
  simulator.attachVideo(16673, late)
  await setUpByKeyboard(app)
  await harness.cases.addPairs(LUCIA)
  simulator.setVideoRate(1_500_000) // about five and a half seconds for 8 MB
  await openFirstCase(app)
  expect(await playsWhileDownloading(app)).toBe(true)
})

test.describe('a video that cannot be played', () => {
  test.use({ expectedPageErrors: [/Failed to load resource/] })

  test('says so plainly and keeps the case open', async ({ app, harness, simulator }) => {
    // An MP4's first box, then noise: it downloads as a video, and no player can decode it.
    const corrupt = path.join(harness.dataDir, 'corrupt.mp4')
    writeFileSync(corrupt, Buffer.concat([readFileSync(VIDEOS.a).subarray(0, 64), randomBytes(40_000)]))
    simulator.attachVideo(16673, corrupt)
    await setUpByKeyboard(app)
    await harness.cases.addPairs(LUCIA)
    await openFirstCase(app)
    await expect(app.getByRole('alert')).toContainText('This video cannot be played')
    await expect(app.getByRole('button', { name: 'Read again from the Optimizer' })).toBeEnabled()
  })
})

test.describe('a saved copy that is damaged', () => {
  // The media protocol answers the damaged copy with an error, which the page reports as a failed load.
  test.use({ expectedPageErrors: [/Failed to load resource/] })

  test('is shown as damaged, never played; the case stays open and a fresh download plays', async ({
    app,
    harness,
  }) => {
    await setUpByKeyboard(app)
    await harness.cases.addPairs(LUCIA)
    // Saved through main before any player reads it: Chromium keeps what a page played in memory, and
    // would play that again without asking the media protocol.
    const saved = () =>
      app.evaluate(async () => {
        const opened = await window.rao.openVideo({ videoidPk: 16673 })
        return opened.ok ? opened.value.state.status : opened.error.code
      })
    await expect.poll(saved, { timeout: 20_000 }).toBe('ready')
    // One bit flipped inside the video's only chunk (a 92-byte header, then a 12-byte nonce).
    const videos = path.join(harness.dataDir, 'video-cache', 'videos')
    const file = path.join(videos, readdirSync(videos).find((name) => name.endsWith('.video.enc')) ?? '')
    const sealed = readFileSync(file)
    sealed[92 + 12 + 2000] = (sealed[92 + 12 + 2000] ?? 0) ^ 0x10
    writeFileSync(file, sealed)

    await openFirstCase(app)
    await expect(app.getByRole('alert')).toContainText(
      'The saved copy of this video is damaged — download it again.',
    )
    await expect(video(app)).not.toBeAttached()
    await expect(app.getByRole('button', { name: 'Read again from the Optimizer' })).toBeEnabled()
    await tabTo(app, app.getByRole('button', { name: 'Download it again' }))
    await app.keyboard.press('Enter')
    await expect(app.getByText(/^Saved on this computer/)).toBeVisible()
    await plays(app)
  })
})

test('the media key deleted from the keychain: the next open says the copies were lost and downloads again', async ({
  app,
  harness,
}) => {
  await setUpByKeyboard(app)
  await harness.cases.addPairs(LUCIA)
  await openFirstCase(app)
  await expect(app.getByText(/^Saved on this computer/)).toBeVisible()
  await plays(app)
  await app.keyboard.press('s')
  await expect(app.getByRole('img', { name: /^Frame at 0:0\d$/ })).toBeVisible()
  expect(await keytar.deletePassword(`${harness.keychainService}.media`, 'media-key')).toBe(true)

  await reopenCase(app)
  await expect(
    app.getByRole('status').filter({ hasText: 'is no longer in the system keychain' }),
  ).toContainText('(videos: 1, snapshots: 1)')
  await expect(app.getByText('No snapshot yet.', { exact: false })).toBeVisible()
  await expect(app.getByText(/^Saved on this computer/)).toBeVisible()
  await plays(app)
})

test('the keys are listed in a help dialog and never fire while typing', async ({ app, harness }) => {
  await setUpByKeyboard(app)
  await harness.cases.addPairs(LUCIA)
  await openFirstCase(app)
  await expect(app.getByText(/^Saved on this computer/)).toBeVisible()
  await app.keyboard.press('?')
  const help = app.getByRole('dialog', { name: 'Keys on a case' })
  await expect(help).toBeVisible()
  await expect(help).toContainText('One frame back or forward')
  await app.keyboard.press('Escape')
  await expect(help).toBeHidden()
  await expect(app.getByRole('heading', { name: 'Lucía García Moreno' })).toBeVisible()

  await tabTo(app, app.getByLabel('Local note'))
  await app.keyboard.type('s. f?')
  await expect(app.getByLabel('Local note')).toHaveValue('s. f?')
  await expect(help).toBeHidden()
  await expect(app.getByText('No snapshot yet.', { exact: false })).toBeVisible()
  expect(await media(app)).toMatchObject({ time: 0, paused: true })
})
