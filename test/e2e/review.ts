import type { Page } from '@playwright/test'
import { expect } from '@playwright/test'
import { DEFAULT_RAO } from '../simulator/seed'
import { tabTo } from './keyboard'

/** Every box of the review checklist, and three kinds of security feature: what approving needs. */
export const CHECKLIST = [
  'The face matches the document’s photo',
  'The person is live and present',
  'The document is genuine',
  'Hologram or other optically variable element',
  'Personalisation technique',
  'Security print',
  'The document is in force',
  'The document is not a copy',
  'Names, document number and country match',
] as const

/** Ticks the whole checklist: from the keyboard (Tab to each box, space), or by clicking each box. */
export async function tickChecklist(page: Page, by: 'keyboard' | 'click' = 'keyboard'): Promise<void> {
  for (const label of CHECKLIST) {
    if (by === 'click') {
      await page.getByLabel(label).check()
      continue
    }
    await tabTo(page, page.getByLabel(label))
    await page.keyboard.press('Space')
  }
}

/** Opens a case from the queue's full list, by the signer's name. */
export async function openCase(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation').getByRole('button', { name: 'Queue' }).click()
  await page.getByRole('button', { name: /^All/ }).click()
  await page.getByRole('option').filter({ hasText: name }).click()
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible()
}

/** Each start of the app is a lock: the officer's PIN opens the desk again (the simulator's test RAO's unless said). */
export async function unlockWithPin(page: Page, pin: string = DEFAULT_RAO.pin): Promise<void> {
  const locked = page.getByRole('heading', { name: 'The desk is locked' })
  await expect(locked).toBeVisible()
  await page.getByLabel('PIN', { exact: true }).fill(pin)
  await page.keyboard.press('Enter')
  await expect(locked).toBeHidden()
}
