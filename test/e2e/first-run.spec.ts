import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import keytar from '@github/keytar'
import { startHarness } from '../harness/server'
import { type Simulator, startSimulator } from '../simulator/server'
import { expectCredentialLimits } from './credential-limits'
import { expect, test } from './fixtures'
import { unlockWithPin } from './review'

// A PIN at its longest, 16 digits: pasted with a space before it, it is still the one set up.
const OFFICER = { username: '9001855', password: 'First-Run-Pass-31', pin: '2718281828459045', rao: '1455' }

test('a newcomer sets up, restarts offline, changes the PIN, and forgets everything', async ({ page }) => {
  let simulator: Simulator = await startSimulator({ raos: [OFFICER] })
  // A keychain service and data folder of the test's own, so both outlive the first run of the services.
  const keychainService = `rao-desk-e2e-${randomBytes(6).toString('hex')}`
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rao-first-run-'))
  let harness = await startHarness({ optimizerUrl: simulator.url, keychainService, dataDir })
  try {
    await page.goto(harness.url)

    // First run: led to set-up; bad input gets a clear message and saves nothing.
    await expect(page.getByRole('heading', { name: 'Set up your RAO credentials' })).toBeVisible()
    // A value too long is taken whole and refused by its field, the limit named: nothing is cut to fit.
    await expectCredentialLimits(page, 'Save credentials')
    await page.getByLabel('RAO username').fill(OFFICER.username)
    await page.getByLabel('Password', { exact: true }).fill(OFFICER.password)
    await page.getByLabel('PIN').fill('12ab')
    await page.getByLabel('RAO id').fill(OFFICER.rao)
    await page.getByRole('button', { name: 'Save credentials' }).click()
    await expect(page.getByText('Digits only, 4 to 16 of them.')).toBeVisible()
    expect(await keytar.getPassword(`${keychainService}.sandbox`, 'officer')).toBeNull()

    await page.getByLabel('PIN').fill(` ${OFFICER.pin}`)
    await page.getByRole('button', { name: 'Save credentials' }).click()
    // Set up (the Optimizer took the 16 digits, the space trimmed): straight into work, the queue (empty for a newcomer).
    await expect(page.getByRole('heading', { name: 'Video ID queue' })).toBeVisible()
    await expect(page.getByRole('heading', { name: 'No Video IDs yet' })).toBeVisible()
    await expect(page.getByRole('banner')).toContainText(`${OFFICER.username} · Sandbox`)
    expect(await page.content()).not.toContain(OFFICER.password)
    expect(simulator.state.tokens.size).toBe(0)

    // Restart the services with the Optimizer gone: locked at start, the PIN (compared here, no Optimizer
    // needed) opens it straight into work, credentials read from the keychain.
    await simulator.close()
    await harness.close()
    harness = await startHarness({ dataDir, keychainService })
    await page.goto(harness.url)
    await unlockWithPin(page, OFFICER.pin)
    await expect(page.getByRole('heading', { name: 'Video ID queue' })).toBeVisible()
    await expect(page.getByRole('banner')).toContainText(OFFICER.username)

    // The Optimizer is back at another address, and the officer's PIN changed there: the credentials
    // checked with the first address wait to be entered again for this one.
    simulator = await startSimulator({ raos: [{ ...OFFICER, pin: '16180339' }] })
    await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click()
    await page.getByLabel('Optimizer address').fill(simulator.url)
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    await expect(page.getByText('Settings saved.')).toBeVisible()
    await page.getByRole('navigation').getByRole('button', { name: 'My credentials' }).click()
    await page.getByLabel('Password', { exact: true }).fill(OFFICER.password)
    await page.getByLabel('PIN', { exact: true }).fill(OFFICER.pin)
    await page.getByRole('button', { name: 'Use them with this Optimizer' }).click()
    await expect(page.getByRole('alert').filter({ hasText: 'refused the RAO credentials' })).toBeVisible()
    await page.getByLabel('PIN', { exact: true }).fill('16180339')
    await page.getByLabel('Password', { exact: true }).fill(OFFICER.password)
    await page.getByRole('button', { name: 'Use them with this Optimizer' }).click()
    // Checked with the Optimizer as they are saved.
    await expect(page.getByText('Saved. The Optimizer accepted the credentials.')).toBeVisible()
    await page.getByRole('button', { name: 'Verify with the Optimizer' }).click()
    await expect(page.getByText('The Optimizer accepted the credentials.', { exact: true })).toBeVisible()
    // A change of PIN later is checked as it is saved too.
    simulator.state.raos[0] = { ...OFFICER, pin: '14142135' }
    await page.getByLabel('New PIN').fill('14142135')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await expect(page.getByText('Saved. The Optimizer accepted the credentials.')).toBeVisible()
    await expect(page.getByLabel('New PIN')).toHaveValue('')

    // Forget everything: back to set-up, nothing left in the keychain.
    await page.getByRole('button', { name: 'Forget credentials…' }).click()
    await expect(page.getByRole('button', { name: 'Cancel' })).toBeFocused()
    await page.getByRole('button', { name: 'Forget', exact: true }).click()
    await expect(page.getByRole('heading', { name: 'Set up your RAO credentials' })).toBeVisible()
    expect(await keytar.getPassword(`${keychainService}.sandbox`, 'officer')).toBeNull()
  } finally {
    await harness.close()
    await simulator.close()
    await keytar.deletePassword(`${keychainService}.sandbox`, 'officer')
  }
})
