import type { Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { setUpByKeyboard } from './keyboard'

// The next pending case's video downloads while the officer reviews the current one, so that after the
// decision the next case opens and plays from the cache: the Optimizer hears nothing more about its
// video. Both pairs are added with their check, in one paste: Lucía's case is first in the queue.
const LUCIA = '16673,923056,lucia.garcia@example.org' // in review, signer-a.mp4
const ANA = '16675,923058,+34 699 870 112' // in review, signer-c.mp4
const CHECKS = [
  'The face matches the document’s photo',
  'The person is live and present',
  'The document is genuine',
  'Hologram or other optically variable element',
  'Personalisation technique',
  'Security print',
  'The document is in force',
  'The document is not a copy',
  'Names, document number and country match',
]

/** Requests for a case's video that reached the Optimizer. */
const videoRequests = (simulator: { requests: readonly { path: string }[] }, videoidPk: number) =>
  simulator.requests.filter((request) => request.path.endsWith(`/videoid/${videoidPk}/video`)).length

const videosInCache = (page: Page) =>
  page.evaluate(async () => {
    const cache = await window.rao.getVideoCache()
    return cache.ok ? cache.value.videos : -1
  })

test('after a decision the next pending case opens and plays from the cache, its video downloaded meanwhile', async ({
  app,
  harness,
  simulator,
}) => {
  await setUpByKeyboard(app)
  await harness.cases.addPairs([LUCIA, ANA].join('\n'))
  simulator.setVideoRate(64 * 1024) // a link slow enough that a download is never over by accident
  await app.getByRole('button', { name: /^All/ }).click()
  await app.getByRole('option').filter({ hasText: 'Lucía García Moreno' }).click()
  await expect(app.getByRole('heading', { level: 1, name: 'Lucía García Moreno' })).toBeFocused()

  // While Lucía's case is reviewed, Ana's video arrives, once.
  await expect.poll(() => videoRequests(simulator, 16675)).toBe(1)
  await expect.poll(() => videosInCache(app), { timeout: 20_000 }).toBe(2)
  for (const label of CHECKS) await app.getByLabel(label).check()
  await app.keyboard.press('a')
  await app.getByRole('dialog').getByRole('button', { name: 'Approve' }).click()

  // The next pending case opens on its own, its video saved already, and plays.
  await expect(app.getByRole('heading', { level: 1, name: 'Ana Isabel López de la Fuente' })).toBeVisible()
  await expect(app.getByText(/^Saved on this computer/)).toBeVisible()
  await expect(app.locator('video')).toBeAttached()
  await app.keyboard.press('Space')
  await app.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 0.2)
  expect(videoRequests(simulator, 16675)).toBe(1)
  expect(simulator.state.cases.get(16673)?.status).toBe('ENROLLREADY')
})

test('with the setting off, the next case’s video waits until the case is opened', async ({
  app,
  harness,
  simulator,
}) => {
  await setUpByKeyboard(app)
  await harness.cases.addPairs([LUCIA, ANA].join('\n'))
  await app.getByRole('navigation').getByRole('button', { name: 'Settings' }).click()
  await app.getByLabel('Download the next pending case’s video while I review this one').uncheck()
  await app.getByRole('button', { name: 'Save', exact: true }).click()
  await expect(app.getByText('Settings saved.')).toBeVisible()
  await app.getByRole('navigation').getByRole('button', { name: 'Queue' }).click()
  await app.getByRole('option').filter({ hasText: 'Lucía García Moreno' }).click()
  await expect(app.getByText(/^Saved on this computer/)).toBeVisible()
  expect(videoRequests(simulator, 16675)).toBe(0)
  await app.keyboard.press('n')
  await expect(app.getByRole('heading', { level: 1, name: 'Ana Isabel López de la Fuente' })).toBeVisible()
  await expect.poll(() => videoRequests(simulator, 16675)).toBe(1)
})
