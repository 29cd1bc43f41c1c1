import { expect, type Page } from '@playwright/test'

/**
 * One over each limit the contract sets (`shared/credentials.ts`), and what the field then says; written
 * out by hand. The password has a quote and a backslash in it.
 */
const TOO_LONG = [
  ['RAO username', '9'.repeat(65), 'At most 64 characters.'],
  ['Password', `"\\${'p'.repeat(255)}`, 'At most 256 characters.'],
  ['PIN', '1'.repeat(17), 'Digits only, 4 to 16 of them.'],
  ['RAO id', '1'.repeat(11), 'Digits only, 1 to 10 of them.'],
] as const

/**
 * A set-up form's fields take a value too long whole, and `submit` has each refused by its field with the
 * limit named, none cut to fit; the fields are left empty. A field that cannot be changed is left alone.
 */
export async function expectCredentialLimits(page: Page, submit: string): Promise<void> {
  const filled = []
  for (const [label, value, message] of TOO_LONG) {
    const field = page.getByLabel(label, { exact: true })
    if (!(await field.isEditable())) continue
    await field.fill(value)
    filled.push({ field, value, message })
  }
  await page.getByRole('button', { name: submit }).click()
  for (const { field, value, message } of filled) {
    await expect(field).toHaveValue(value)
    await expect(field).toHaveAttribute('aria-invalid', 'true')
    await expect(field).toHaveAccessibleDescription(new RegExp(`^${message.replace('.', '\\.')}`))
    await field.fill('')
  }
}
