import { expect, type Page } from '@playwright/test'

/** The longest the contract accepts (`shared/credentials.ts`), written out by hand. */
const LIMITS = [
  ['RAO username', '64'],
  ['Password', '256'],
  ['PIN', '16'],
  ['RAO id', '10'],
] as const

/** A set-up form's fields each stop at the longest the contract accepts. */
export async function expectCredentialLimits(page: Page): Promise<void> {
  for (const [label, most] of LIMITS)
    await expect(page.getByLabel(label, { exact: true })).toHaveAttribute('maxlength', most)
}
