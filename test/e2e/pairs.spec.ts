import type { Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { setUpByKeyboard, tabTo } from './keyboard'
import { tickChecklist } from './review'

const nav = (page: Page, name: string) => page.getByRole('navigation').getByRole('button', { name })
const row = (page: Page, name: string) => page.getByRole('option').filter({ hasText: name })

test('a pair with a check is added only when the check names its signer; one without is marked and confirmed', async ({
  app,
  simulator,
}) => {
  await setUpByKeyboard(app)
  await nav(app, 'Add cases').click()
  await expect(
    app.getByText('A pair with a typo puts one person’s data beside another person’s video'),
  ).toBeVisible()

  // Lucía's pair with her email; Javier's pair with Lucía's email as its check; Ana's pair with no check at
  // all; and Lucía's request again with a mistyped Video ID, her email as its check.
  await tabTo(app, app.getByLabel('Many at once'))
  await app.keyboard.insertText(
    '16673,923056,LUCIA.Garcia@example.org\n16674,923057,lucia.garcia@example.org\n16675,923058\n16676,923056,lucia.garcia@example.org',
  )
  await app.keyboard.press('Tab')
  await app.keyboard.press('Enter')
  const results = app.getByRole('table', { name: 'Results' })
  await expect(results.getByRole('row', { name: /Line 1/ })).toContainText('Added')
  await expect(results.getByRole('row', { name: /Line 2/ })).toContainText(
    'Not added: the check does not match this request’s email, mobile or document number.',
  )
  await expect(results.getByRole('row', { name: /Line 3/ })).toContainText('Added')
  await expect(results.getByRole('row', { name: /Line 4/ })).toContainText(
    'Not added: another Video ID already has this request',
  )
  await expect(
    app.getByText(
      '2 added, 0 already known, 0 not found on the Optimizer, 0 malformed, 2 refused by their check or a request already taken.',
    ),
  ).toBeVisible()

  // One pair by hand, its mobile number as the check, written as the RA's system writes it.
  await app.getByLabel('Video ID pk').fill('16676')
  await app.getByLabel('Request pk').fill('923059')
  await app.getByLabel('Check (email, mobile or document number)').fill('634 77 89 05')
  await app.getByRole('button', { name: 'Add', exact: true }).click()
  await expect(results.getByRole('row', { name: /Line 1/ })).toContainText('Added')

  // The queue marks the one pair nobody verified, and only that one.
  await nav(app, 'Queue').click()
  await expect(row(app, 'Ana Isabel López de la Fuente')).toContainText('Pair not verified')
  await expect(row(app, 'Lucía García Moreno')).not.toContainText('Pair not verified')
  await expect(row(app, 'Marc Puig Soler')).not.toContainText('Pair not verified')
  await expect(app.getByRole('option').filter({ hasText: 'Javier' })).toHaveCount(0)

  // On the case and in its decision dialog: nothing is sent until the officer confirms the person.
  await row(app, 'Ana Isabel López de la Fuente').click()
  await expect(app.getByText('Pair not verified', { exact: true }).first()).toBeVisible()
  await expect(app.getByText('This case was added without a check')).toBeVisible()
  await tickChecklist(app, 'click')
  await app.keyboard.press('a')
  const dialog = app.getByRole('dialog')
  const approve = dialog.getByRole('button', { name: 'Approve' })
  await expect(approve).toBeDisabled()
  await dialog
    .getByLabel(
      'I checked that the video shows Ana Isabel López de la Fuente with the document IDC 51720463H.',
    )
    .check()
  await approve.click()
  await expect(app.getByRole('status').filter({ hasText: 'Approve — done.' })).toBeVisible()
  expect(simulator.decisions).toEqual([{ action: 'approve', videoidPk: 16675 }])
  await nav(app, 'Queue').click()
  await app.getByRole('button', { name: /^All/ }).click()
  await row(app, 'Ana Isabel López de la Fuente').click()
  await expect(app.getByRole('region', { name: 'Decision record' })).toContainText(
    'Pair not verified: the officer confirmed the person and the document.',
  )
})
