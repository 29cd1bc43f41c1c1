import type { Locator, Page } from '@playwright/test'
import { expect } from '@playwright/test'
import { DEFAULT_RAO } from '../simulator/seed'

/** Moves the focus with Tab alone until it reaches `target`: the officer's way through the page. */
export async function tabTo(page: Page, target: Locator): Promise<void> {
  for (let presses = 0; presses < 80; presses++) {
    if (await target.evaluate((element) => element === document.activeElement)) return
    await page.keyboard.press('Tab')
  }
  throw new Error(`Tab never reached ${target}`)
}

/** The first run's set-up with the simulator's test RAO, from the keyboard; lands on the queue. */
export async function setUpByKeyboard(page: Page): Promise<void> {
  await tabTo(page, page.getByLabel('RAO username'))
  await page.keyboard.type(DEFAULT_RAO.username)
  await page.keyboard.press('Tab')
  await page.keyboard.type(DEFAULT_RAO.password)
  await page.keyboard.press('Tab')
  await page.keyboard.type(DEFAULT_RAO.pin)
  await page.keyboard.press('Tab')
  await page.keyboard.type(DEFAULT_RAO.rao)
  await page.keyboard.press('Enter')
  await expect(page.getByRole('heading', { name: 'Video ID queue' })).toBeVisible()
}
