import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Page } from '@playwright/test'
import { type Harness, startHarness } from '../harness/server'
import type { Simulator } from '../simulator/server'
import { cleanKeychain } from '../support/keychain'
import { FULL_CHECKLIST } from '../unit/decisions/checklist'
import { expect, test } from './fixtures'
import { setUpByKeyboard } from './keyboard'
import { openCase, tickChecklist, unlockWithPin } from './review'

// Each pair with the check the RA's own system gives for it: the signer's email, document or mobile.
const LUCIA = '16673,923056,lucia.garcia@example.org' // one-step, in review
const JAVIER = '16674,923057,30918274H' // two-step, in review
const ANA = '16675,923058,+34 699 870 112' // one-step, in review
async function settings(page: Page, change: (page: Page) => Promise<unknown>) {
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click()
  await change(page)
  await page.getByRole('button', { name: 'Save', exact: true }).click()
  await expect(page.getByText('Settings saved.')).toBeVisible()
}
const stayOnCase = (page: Page) =>
  settings(page, (settingsPage) =>
    settingsPage.getByLabel('After a decision, open the next pending case').uncheck(),
  )

const dialog = (page: Page) => page.getByRole('dialog')
const setStatus = (simulator: Simulator, videoidPk: number, status: string) => {
  const target = simulator.state.cases.get(videoidPk)
  if (!target) throw new Error('the simulator’s seed changed')
  target.status = status
}

/** Lucía's case approved from the keyboard, the Optimizer receiving it and dropping the connection. */
async function approveLuciaWithItsAnswerDropped(app: Page, harness: Harness, simulator: Simulator) {
  await setUpByKeyboard(app)
  await harness.cases.addPairs(LUCIA)
  await stayOnCase(app)
  simulator.inject({ route: 'POST /videoid/*/approve', fault: { kind: 'drop' } })
  await openCase(app, 'Lucía García Moreno')
  await tickChecklist(app)
  await app.keyboard.press('a')
  await dialog(app).getByRole('button', { name: 'Approve' }).click()
  await expect(app.getByText('The answer to “Approve” was lost')).toBeVisible()
}

test('refuse sends exactly the reason shown, in the language chosen; approve; two-step; each case keeps its record', async ({
  app,
  harness,
  simulator,
}) => {
  await setUpByKeyboard(app)
  await harness.cases.addPairs([LUCIA, JAVIER, ANA].join('\n'))
  await stayOnCase(app)
  await settings(app, (page) => page.getByLabel('Language of the refusal reasons sent').selectOption('es'))

  // Refuse: impossible without a reason; the confirmation shows the words that go, in Spanish.
  await openCase(app, 'Ana Isabel López de la Fuente')
  await app.keyboard.press('r')
  await expect(app.getByLabel('Reason', { exact: true })).toBeFocused()
  await expect(app.getByRole('button', { name: 'Refuse', exact: true })).toBeDisabled()
  await app.getByLabel('Reason', { exact: true }).selectOption('face_mismatch')
  await app.getByLabel('In your words').fill('The ears and chin differ from the photo.')
  await app.getByRole('button', { name: 'Refuse', exact: true }).click()
  const sent = 'La cara no coincide con la foto del documento: The ears and chin differ from the photo.'
  await expect(dialog(app)).toContainText('Refuse the Video ID of Ana Isabel López de la Fuente?')
  await expect(dialog(app)).toContainText('Refuse Video ID 16675 (request 923058).')
  await expect(dialog(app)).toContainText('The reason, word for word (Spanish):')
  await expect(dialog(app).locator('blockquote')).toHaveText(sent)
  await expect(dialog(app).getByRole('button', { name: 'Go back' })).toBeFocused()
  await dialog(app).getByRole('button', { name: 'Refuse' }).click()
  await expect(
    app.getByRole('status').filter({ hasText: 'Ana Isabel López de la Fuente: Refuse — done.' }),
  ).toBeVisible()
  expect(simulator.state.cases.get(16675)?.refuseReason).toBe(sent)
  // The decided case's record: who, what, the exact reason, the journal entry.
  const record = app.getByRole('region', { name: 'Decision record' })
  await expect(record).toContainText('Refuse by 9001800')
  await expect(record).toContainText(sent)
  await expect(record).toContainText('Journal entry')

  // Approve from the keyboard: A asks, the dialog names the person, Tab and Enter confirm.
  await openCase(app, 'Lucía García Moreno')
  await app.keyboard.press('a')
  await expect(dialog(app)).toBeHidden() // the checklist is not complete: nothing to confirm
  await tickChecklist(app)
  await app.keyboard.press('a')
  await expect(dialog(app)).toContainText('Approve the Video ID of Lucía García Moreno?')
  await app.keyboard.press('Shift+Tab')
  await app.keyboard.press('Enter')
  await expect(app.getByText('Approved.')).toBeVisible()
  expect(simulator.state.cases.get(16673)?.status).toBe('ENROLLREADY')
  await expect(app.getByRole('region', { name: 'Decision record' })).toContainText(
    'The face matches the document’s photo',
  )

  // Two-step mode: validate, then approve.
  await settings(app, (page) => page.getByLabel('Two-step mode').check())
  await openCase(app, 'Javier Fernández Ruiz')
  await tickChecklist(app)
  await app.keyboard.press('v')
  await dialog(app).getByRole('button', { name: 'Validate' }).click()
  await expect(app.getByText('Validated: it now waits for approval.')).toBeVisible()
  expect(simulator.state.cases.get(16674)?.status).toBe('CREATED')
  await app.keyboard.press('a')
  await dialog(app).getByRole('button', { name: 'Approve' }).click()
  await expect(app.getByText('Approved.')).toBeVisible()
  expect(simulator.state.cases.get(16674)?.status).toBe('ENROLLREADY')
  await expect(app.getByRole('region', { name: 'Decision record' })).toContainText('Validate by 9001800')
  expect(simulator.decisions.map((decision) => decision.action)).toEqual([
    'refuse',
    'approve',
    'validate',
    'approve',
  ])

  // The journal lists them with the control changed, checked at start; the CSV opens with its columns.
  await app.getByRole('navigation').getByRole('button', { name: 'Journal' }).click()
  await expect(app.getByText('Checked at start: every entry is as it was written')).toBeVisible()
  await expect(app.getByRole('row')).toHaveCount(1 + 8 + 1)
  await expect(app.getByRole('row').filter({ hasText: 'twoStepMode: false → true' })).toHaveCount(1)
  await app.getByLabel('Action').selectOption('refuse')
  await expect(app.getByRole('row')).toHaveCount(1 + 2)
  const download = app.waitForEvent('download')
  await app.getByRole('button', { name: 'Export as CSV' }).click()
  const csv = readFileSync((await (await download).path()) ?? '', 'utf8').split('\r\n')
  expect(csv[0]).toBe(
    'seq,time,officer,type,event,videoidPk,requestPk,action,attempt,reason,language,checklist,pairConfirmed,errorCode,status,detail,seal',
  )
  expect(csv.filter((line) => line.includes('"decision","done"') && line.includes('"refuse"'))).toHaveLength(
    1,
  )
  const audit = app.waitForEvent('download')
  await app.getByRole('button', { name: 'Export for an auditor' }).click()
  const auditRecord = JSON.parse(readFileSync((await (await audit).path()) ?? '', 'utf8'))
  expect(auditRecord.headInKeychain).toEqual({ seq: 9, mac: expect.stringMatching(/^[0-9a-f]{64}$/) })
  expect(auditRecord.lines).toHaveLength(9)
})

test('after a decision the next case opens and the outcome stays in view, announced', async ({
  app,
  harness,
  simulator,
}) => {
  await setUpByKeyboard(app)
  await harness.cases.addPairs([LUCIA, ANA].join('\n'))
  simulator.inject({ route: 'POST /videoid/*/approve', fault: { kind: 'latency', ms: 600 }, times: 3 })
  await openCase(app, 'Lucía García Moreno')
  await tickChecklist(app)
  await app.getByRole('button', { name: 'Approve' }).click()
  await dialog(app).getByRole('button', { name: 'Approve' }).dblclick()
  await expect(app.getByText('Sending the decision…')).toBeVisible()
  // Approved, and (as set by default) the next pending case opens, with what happened still shown.
  await expect(app.getByRole('heading', { level: 1, name: 'Ana Isabel López de la Fuente' })).toBeVisible()
  await expect(
    app.getByRole('status').filter({ hasText: 'Lucía García Moreno: Approve — done.' }),
  ).toBeVisible()
  expect(simulator.state.cases.get(16673)?.status).toBe('ENROLLREADY')
  expect(simulator.decisions).toHaveLength(1)

  // Main refuses a second decision for a case whatever the page sends.
  const answers = await app.evaluate(async (checklist) => {
    const decide = () => window.rao.decide({ action: 'approve', videoidPk: 16675, checklist })
    return Promise.all([decide(), decide()])
  }, FULL_CHECKLIST)
  expect(answers.map((answer) => (answer.ok ? 'ok' : answer.error.code)).sort()).toEqual([
    'decision_in_flight',
    'ok',
  ])
  expect(simulator.decisions).toHaveLength(2)
})

test.describe('an approve whose answer is lost', () => {
  test.use({ harnessOptions: { settle: { windowMs: 600_000, readEveryMs: 400 } } })

  test('stays unknown, sends nothing meanwhile, and is settled done when the slow server finishes', async ({
    app,
    harness,
    simulator,
  }) => {
    await approveLuciaWithItsAnswerDropped(app, harness, simulator)
    await expect(app.getByRole('status').filter({ hasText: 'the answer was lost' })).toBeVisible()
    expect(simulator.state.cases.get(16673)?.status).toBe('VIDEOREVIEW')
    // No button sends anything while the status still shows the state before the decision.
    await expect(app.getByRole('button', { name: 'Approve' })).toBeDisabled()
    await app.keyboard.press('a')
    await expect(dialog(app)).toBeHidden()
    await app.getByRole('button', { name: 'Read again from the Optimizer' }).click()
    await expect(app.getByText('The answer to “Approve” was lost')).toBeVisible()
    expect(simulator.decisions).toHaveLength(1)

    setStatus(simulator, 16673, 'ENROLLREADY') // the server finishes the first request
    await expect(app.getByRole('region', { name: 'Decision record' })).toContainText(
      'The answer was lost; the request’s status showed it took effect.',
    )
    await expect(app.getByText('The answer to “Approve” was lost')).toBeHidden()
    await expect(app.getByText(/The answer to this decision was lost/)).toHaveCount(0)
    expect(simulator.decisions).toHaveLength(1)
  })

  test('settles once per attempt while status reads fail for a while, then recover', async ({
    app,
    harness,
    simulator,
  }) => {
    await approveLuciaWithItsAnswerDropped(app, harness, simulator)
    simulator.inject({ route: 'GET /request/*', fault: { kind: 'status', status: 503 }, times: 15 })
    setStatus(simulator, 16673, 'ENROLLREADY')
    // The officer asks too, while the timer and the sync do.
    for (let tries = 0; tries < 3; tries++)
      await app.getByRole('button', { name: 'Read again from the Optimizer' }).click()
    await expect(app.getByRole('region', { name: 'Decision record' })).toBeVisible({ timeout: 15_000 })
    await app.getByRole('navigation').getByRole('button', { name: 'Journal' }).click()
    await expect(app.getByRole('row').filter({ hasText: 'Took effect (status re-read)' })).toHaveCount(1)
    expect(simulator.decisions).toHaveLength(1)
  })
})

test.describe('a decision whose answer is lost and whose status never moves', () => {
  test.use({ harnessOptions: { settle: { windowMs: 2500, readEveryMs: 400 } } })

  test('may be sent again once, after the window, behind a second confirmation', async ({
    app,
    harness,
    simulator,
  }) => {
    await approveLuciaWithItsAnswerDropped(app, harness, simulator)
    await expect(app.getByText('The earlier “Approve” was never confirmed by an answer')).toBeVisible({
      timeout: 10_000,
    })
    expect(simulator.decisions).toHaveLength(1)
    await app.keyboard.press('a')
    const confirm = dialog(app).getByRole('button', { name: 'Approve' })
    await expect(confirm).toBeDisabled()
    await dialog(app)
      .getByLabel('I know that the first attempt’s fate was never confirmed by an answer')
      .check()
    await confirm.click()
    await expect(app.getByText('Approved.')).toBeVisible()
    expect(simulator.decisions).toHaveLength(2)
  })

  test('a refusal and a cancel: one settled done by the status, one allowed again', async ({
    app,
    harness,
    simulator,
  }) => {
    await setUpByKeyboard(app)
    await harness.cases.addPairs([JAVIER, ANA].join('\n'))
    await stayOnCase(app)
    simulator.inject({ route: 'POST /videoid/*/refuse', fault: { kind: 'drop' } })
    simulator.inject({ route: 'DELETE /request/*', fault: { kind: 'drop' } })

    await openCase(app, 'Ana Isabel López de la Fuente')
    await app.keyboard.press('r')
    await app.getByLabel('Reason', { exact: true }).selectOption('document_expired')
    await app.getByRole('button', { name: 'Refuse', exact: true }).click()
    await dialog(app).getByRole('button', { name: 'Refuse' }).click()
    await expect(app.getByText('The answer to “Refuse” was lost')).toBeVisible()
    setStatus(simulator, 16675, 'CANCELLED') // the refusal lands late
    await expect(app.getByRole('region', { name: 'Decision record' })).toContainText('Refuse by 9001800')

    await openCase(app, 'Javier Fernández Ruiz')
    await app.getByRole('button', { name: 'Cancel the request…' }).click()
    await dialog(app).getByRole('button', { name: 'Cancel the request' }).click()
    await expect(app.getByText('The answer to “Cancel the request” was lost')).toBeVisible()
    await expect(
      app.getByText('The earlier “Cancel the request” was never confirmed by an answer'),
    ).toBeVisible({ timeout: 10_000 })
    await app.getByRole('button', { name: 'Cancel the request…' }).click()
    await dialog(app)
      .getByLabel('I know that the first attempt’s fate was never confirmed by an answer')
      .check()
    await dialog(app).getByRole('button', { name: 'Cancel the request' }).click()
    await expect(app.getByText('The request was cancelled.')).toBeVisible()
    expect(simulator.decisions.map((decision) => decision.action)).toEqual(['refuse', 'cancel', 'cancel'])
  })
})

test('a decision cut off by a killed app is settled at the next start; an edited journal is reported', async ({
  page,
  simulator,
}) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rao-killed-decision-'))
  const keychainService = `rao-desk-e2e-${randomBytes(6).toString('hex')}`
  let harness = await startHarness({ optimizerUrl: simulator.url, dataDir, keychainService })
  try {
    await page.goto(harness.url)
    await setUpByKeyboard(page)
    await harness.cases.addPairs(LUCIA)
    await harness.close()

    // The app approves, and is killed once the Optimizer took the decision, before its answer came.
    simulator.inject({ route: 'POST /videoid/*/approve', fault: { kind: 'latency', ms: 5000 } })
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(import.meta.dirname, '../unit/decisions/decide-child.ts'),
        dataDir,
        keychainService,
        simulator.url,
        '16673',
      ],
      { stdio: 'ignore' },
    )
    await expect.poll(() => simulator.state.cases.get(16673)?.status, { timeout: 15_000 }).toBe('ENROLLREADY')
    child.kill('SIGKILL')

    harness = await startHarness({ optimizerUrl: simulator.url, dataDir, keychainService })
    await page.goto(harness.url)
    await unlockWithPin(page)
    await page.getByRole('navigation').getByRole('button', { name: 'Journal' }).click()
    await expect(page.getByRole('row').filter({ hasText: 'Took effect (status re-read)' })).toHaveCount(1)
    await expect(page.getByText('Checked at start: every entry is as it was written')).toBeVisible()
    expect(simulator.decisions).toHaveLength(1)
    await harness.close()

    // Someone edits the journal by hand: the next start says so, and the app still works.
    const file = path.join(dataDir, 'decision-journal.jsonl')
    writeFileSync(file, readFileSync(file, 'utf8').replace('"approve"', '"refuse"'))
    harness = await startHarness({ optimizerUrl: simulator.url, dataDir, keychainService })
    await page.goto(harness.url)
    await unlockWithPin(page)
    await expect(
      page.getByRole('alert').filter({ hasText: 'The decision journal was altered' }),
    ).toContainText('entry 1 was changed')
    await expect(page.getByRole('heading', { name: 'Video ID queue' })).toBeVisible()
  } finally {
    await harness.close()
    await cleanKeychain(keychainService)
  }
})

test('a refusal reason being typed survives a restart of the app', async ({ page, simulator }) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rao-reason-draft-'))
  const keychainService = `rao-desk-e2e-${randomBytes(6).toString('hex')}`
  let harness = await startHarness({ optimizerUrl: simulator.url, dataDir, keychainService })
  try {
    await page.goto(harness.url)
    await setUpByKeyboard(page)
    await harness.cases.addPairs(ANA)
    await openCase(page, 'Ana Isabel López de la Fuente')
    await page.keyboard.press('r')
    await page.getByLabel('Reason', { exact: true }).selectOption('document_expired')
    await page.getByLabel('In your words').fill('Expired in March; the signer was told.')
    // Kept in main's case book, sealed like the note, a moment after the last key.
    await expect
      .poll(async () => (await harness.cases.get(16675)).reasonDraft)
      .toEqual({ code: 'document_expired', text: 'Expired in March; the signer was told.' })
    await harness.close()

    harness = await startHarness({ optimizerUrl: simulator.url, dataDir, keychainService })
    await page.goto(harness.url)
    await unlockWithPin(page)
    await openCase(page, 'Ana Isabel López de la Fuente')
    await expect(page.getByLabel('Reason', { exact: true })).toHaveValue('document_expired')
    await expect(page.getByLabel('In your words')).toHaveValue('Expired in March; the signer was told.')
    expect(simulator.decisions).toEqual([])
  } finally {
    await harness.close()
    await cleanKeychain(keychainService)
  }
})
