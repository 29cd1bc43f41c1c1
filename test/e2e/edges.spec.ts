import type { Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { setUpByKeyboard } from './keyboard'
import { tickChecklist } from './review'

const nav = (page: Page, name: string) => page.getByRole('navigation').getByRole('button', { name })
const pending = (page: Page, count: number) =>
  expect(page.getByRole('button', { name: new RegExp(`^Pending ${count}$`) })).toBeVisible()

test.describe('an Optimizer address that answers 404 to everything for a while', () => {
  // Short enough that a case would be retired within the test if a 404 were believed.
  test.use({ harnessOptions: { gonePolicy: { confirmMs: 300, recheckMs: 300 } } })

  test('retires no case, sends no decision, and everything works again once it recovers', async ({
    app,
    harness,
    simulator,
  }) => {
    // Several sync rounds against the 404s, then the decision: more than the default on a loaded machine.
    test.setTimeout(90_000)
    await setUpByKeyboard(app)
    await harness.cases.addPairs('16673,923056,lucia.garcia@example.org\n16675,923058,+34 699 870 112')
    await nav(app, 'Queue').click()
    await pending(app, 2)

    // A misconfigured proxy in front of the Optimizer: every call answers 404, /hello included.
    simulator.inject({ route: '*', fault: { kind: 'status', status: 404 }, times: 10_000 })
    await app.getByRole('option').filter({ hasText: 'Lucía García Moreno' }).click()
    await app.getByRole('button', { name: 'Read again from the Optimizer' }).click()
    await expect(app.getByText('The Optimizer gave an answer RAO Desk does not understand')).toBeVisible()
    await tickChecklist(app, 'click')
    await app.keyboard.press('a')
    await app.getByRole('dialog').getByRole('button', { name: 'Approve' }).click()
    await expect(app.getByRole('status').filter({ hasText: 'Approve — not done.' })).toBeVisible()
    await nav(app, 'Queue').click()
    for (let round = 0; round < 3; round++) {
      await app.getByRole('button', { name: 'Sync now' }).click()
      await expect(app.getByText('The last sync did not finish.')).toBeVisible()
      await app.waitForTimeout(350)
    }
    await pending(app, 2)
    await expect(app.getByRole('button', { name: /^Gone/ })).toHaveCount(0)
    expect(simulator.decisions).toEqual([])

    // The proxy is fixed: the cases are read again, and a decision goes through.
    simulator.clearFaults()
    await app.getByRole('button', { name: 'Sync now' }).click()
    await expect(app.getByText('The last sync did not finish.')).toBeHidden()
    await pending(app, 2)
    await app.getByRole('option').filter({ hasText: 'Lucía García Moreno' }).click()
    // A is the case page's key: pressed again should the page not have taken it yet (a loaded machine).
    await expect(async () => {
      if (!(await app.getByRole('dialog').count())) await app.keyboard.press('a')
      await expect(app.getByRole('dialog').getByRole('button', { name: 'Approve' })).toBeVisible({
        timeout: 3_000,
      })
    }).toPass({ timeout: 30_000 })
    await app.getByRole('dialog').getByRole('button', { name: 'Approve' }).click()
    await expect(
      app.getByRole('status').filter({ hasText: 'Lucía García Moreno: Approve — done.' }),
    ).toBeVisible()
    expect(simulator.decisions).toEqual([{ action: 'approve', videoidPk: 16673 }])
  })
})
