import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import keytar from '@github/keytar'
import type { Page } from '@playwright/test'
import { startHarness } from '../harness/server'
import { expect, test } from './fixtures'
import { setUpByKeyboard, tabTo } from './keyboard'

const LUCIA = '16673,923056' // one-step, in review
const JAVIER = '16674,923057' // two-step, in review
const ANA = '16675,923058' // one-step, in review
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

async function open(page: Page, name: string) {
  await page.getByRole('navigation').getByRole('button', { name: 'Queue' }).click()
  await page.getByRole('button', { name: /^All/ }).click()
  await page.getByRole('option').filter({ hasText: name }).click()
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible()
}

/** Ticks the whole checklist from the keyboard: Tab to each box, space to tick it. */
async function tickAll(page: Page) {
  for (const label of CHECKS) {
    await tabTo(page, page.getByLabel(label))
    await page.keyboard.press('Space')
  }
}

const dialog = (page: Page) => page.getByRole('dialog')

test('refuse needs a reason, and sends exactly it; approve; two-step validate then approve', async ({
  app,
  harness,
  simulator,
}) => {
  await setUpByKeyboard(app)
  await harness.cases.addPairs([LUCIA, JAVIER, ANA].join('\n'))
  await app.getByRole('navigation').getByRole('button', { name: 'Settings' }).click()
  await app.getByLabel('After a decision, open the next pending case').uncheck()
  await app.getByRole('button', { name: 'Save', exact: true }).click()

  // Refuse: impossible without a reason; with one, the Optimizer records exactly what was sent.
  await open(app, 'Ana Isabel López de la Fuente')
  await app.keyboard.press('r')
  await expect(app.getByLabel('Reason', { exact: true })).toBeFocused()
  await expect(app.getByRole('button', { name: 'Refuse', exact: true })).toBeDisabled()
  await app.getByLabel('Reason', { exact: true }).selectOption('face_mismatch')
  await app.getByLabel('In your words').fill('The ears and chin differ from the photo.')
  await app.getByRole('button', { name: 'Refuse', exact: true }).click()
  await expect(dialog(app)).toContainText('Refuse the Video ID of Ana Isabel López de la Fuente?')
  await expect(dialog(app).getByRole('button', { name: 'Go back' })).toBeFocused()
  await dialog(app).getByRole('button', { name: 'Refuse' }).click()
  await expect(app.getByText('Refused.')).toBeVisible()
  expect(simulator.state.cases.get(16675)?.status).toBe('CANCELLED')
  expect(simulator.state.cases.get(16675)?.refuseReason).toBe(
    'The face does not match the document photo: The ears and chin differ from the photo.',
  )

  // Approve from the keyboard: A asks, the dialog names the person, Tab and Enter confirm.
  await open(app, 'Lucía García Moreno')
  await app.keyboard.press('a')
  await expect(dialog(app)).toBeHidden() // the checklist is not complete: nothing to confirm
  await tickAll(app)
  await app.keyboard.press('a')
  await expect(dialog(app)).toContainText('Approve the Video ID of Lucía García Moreno?')
  await app.keyboard.press('Shift+Tab')
  await app.keyboard.press('Enter')
  await expect(app.getByText('Approved.')).toBeVisible()
  expect(simulator.state.cases.get(16673)?.status).toBe('ENROLLREADY')

  // Two-step mode: validate, then approve.
  await app.getByRole('navigation').getByRole('button', { name: 'Settings' }).click()
  await app.getByLabel('Two-step mode').check()
  await app.getByRole('button', { name: 'Save', exact: true }).click()
  await open(app, 'Javier Fernández Ruiz')
  await tickAll(app)
  await app.keyboard.press('v')
  await dialog(app).getByRole('button', { name: 'Validate' }).click()
  await expect(app.getByText('Validated: it now waits for approval.')).toBeVisible()
  expect(simulator.state.cases.get(16674)?.status).toBe('CREATED')
  await app.keyboard.press('a')
  await dialog(app).getByRole('button', { name: 'Approve' }).click()
  await expect(app.getByText('Approved.')).toBeVisible()
  expect(simulator.state.cases.get(16674)?.status).toBe('ENROLLREADY')
  expect(simulator.decisions.map((decision) => decision.action)).toEqual([
    'refuse',
    'approve',
    'validate',
    'approve',
  ])

  // The journal lists them, and its chain verifies; the CSV opens with the right columns.
  await app.getByRole('navigation').getByRole('button', { name: 'Journal' }).click()
  await expect(app.getByText('The chain of entries is whole.')).toBeVisible()
  await expect(app.getByRole('row')).toHaveCount(1 + 8)
  await app.getByLabel('Action').selectOption('refuse')
  await expect(app.getByRole('row')).toHaveCount(1 + 2)
  const download = app.waitForEvent('download')
  await app.getByRole('button', { name: 'Export as CSV' }).click()
  const csv = readFileSync((await (await download).path()) ?? '', 'utf8').split('\r\n')
  expect(csv[0]).toBe(
    'seq,time,officer,videoidPk,requestPk,action,phase,attempt,reason,checklist,errorCode,status,hash',
  )
  expect(csv.filter((line) => line.includes('"refuse","done"'))).toHaveLength(1)
})

test('a double click sends one request, and main refuses a second decision whatever the page sends', async ({
  app,
  harness,
  simulator,
}) => {
  await setUpByKeyboard(app)
  await harness.cases.addPairs([LUCIA, ANA].join('\n'))
  simulator.inject({ route: 'POST /videoid/*/approve', fault: { kind: 'latency', ms: 600 }, times: 3 })
  await open(app, 'Lucía García Moreno')
  await tickAll(app)
  await app.getByRole('button', { name: 'Approve' }).click()
  await dialog(app).getByRole('button', { name: 'Approve' }).dblclick()
  await expect(app.getByText('Sending the decision…')).toBeVisible()
  // Approved, and (as set by default) the next pending case opens.
  await expect(app.getByRole('heading', { level: 1, name: 'Ana Isabel López de la Fuente' })).toBeVisible()
  expect(simulator.state.cases.get(16673)?.status).toBe('ENROLLREADY')
  expect(simulator.decisions).toHaveLength(1)

  const answers = await app.evaluate(async () => {
    const checklist = {
      checked: [
        'face_matches',
        'person_live',
        'document_genuine',
        'document_in_force',
        'document_not_copy',
        'data_matches',
      ] as const,
      securityFeatures: ['optically_variable', 'material', 'security_print'] as const,
      snapshots: {},
    }
    const decide = () =>
      window.rao.decide({
        action: 'approve',
        videoidPk: 16675,
        checklist: {
          ...checklist,
          checked: [...checklist.checked],
          securityFeatures: [...checklist.securityFeatures],
        },
      })
    return Promise.all([decide(), decide()])
  })
  expect(answers.map((answer) => (answer.ok ? 'ok' : answer.error.code)).sort()).toEqual([
    'decision_in_flight',
    'ok',
  ])
  expect(simulator.decisions).toHaveLength(2)
})

test('a lost answer is settled by status, and another officer’s decision is shown as such', async ({
  app,
  harness,
  simulator,
}) => {
  await setUpByKeyboard(app)
  await harness.cases.addPairs([LUCIA, ANA].join('\n'))
  await app.getByRole('navigation').getByRole('button', { name: 'Settings' }).click()
  await app.getByLabel('After a decision, open the next pending case').uncheck()
  await app.getByRole('button', { name: 'Save', exact: true }).click()

  simulator.inject({ route: 'POST /videoid/*/approve', fault: { kind: 'reset' } })
  await open(app, 'Lucía García Moreno')
  await tickAll(app)
  await app.keyboard.press('a')
  await dialog(app).getByRole('button', { name: 'Approve' }).click()
  await expect(app.getByText('Approved.')).toBeVisible()
  expect(simulator.decisions).toHaveLength(1)

  const ana = simulator.state.cases.get(16675)
  if (!ana) throw new Error('the simulator’s seed changed')
  ana.status = 'ENROLLREADY' // approved meanwhile by another officer, straight on the Optimizer
  await open(app, 'Ana Isabel López de la Fuente')
  await tickAll(app)
  await app.keyboard.press('a')
  await dialog(app).getByRole('button', { name: 'Approve' }).click()
  await expect(app.getByText('This case was already decided elsewhere: it is now “Approved”.')).toBeVisible()

  await app.getByRole('navigation').getByRole('button', { name: 'Journal' }).click()
  await expect(app.getByRole('row').filter({ hasText: 'Answer lost' })).toHaveCount(1)
  await expect(app.getByRole('row').filter({ hasText: 'Took effect (status re-read)' })).toHaveCount(1)
  await expect(app.getByRole('row').filter({ hasText: 'Refused by the Optimizer' })).toHaveCount(1)
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
    await page.getByRole('navigation').getByRole('button', { name: 'Journal' }).click()
    await expect(page.getByRole('row').filter({ hasText: 'Took effect (status re-read)' })).toHaveCount(1)
    await expect(page.getByText('The chain of entries is whole.')).toBeVisible()
    expect(simulator.decisions).toHaveLength(1)
    await harness.close()

    // Someone edits the journal by hand: the next start says so, and the app still works.
    const file = path.join(dataDir, 'decision-journal.jsonl')
    writeFileSync(file, readFileSync(file, 'utf8').replace('"approve"', '"refuse"'))
    harness = await startHarness({ optimizerUrl: simulator.url, dataDir, keychainService })
    await page.goto(harness.url)
    await expect(
      page.getByRole('alert').filter({ hasText: 'The decision journal was altered' }),
    ).toContainText('entry 1 was changed')
    await expect(page.getByRole('heading', { name: 'Video ID queue' })).toBeVisible()
  } finally {
    await harness.close()
    await keytar.deletePassword(`${keychainService}.sandbox`, 'officer')
    await keytar.deletePassword(`${keychainService}.case-book`, 'case-book-key')
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
    await open(page, 'Ana Isabel López de la Fuente')
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
    await open(page, 'Ana Isabel López de la Fuente')
    await expect(page.getByLabel('Reason', { exact: true })).toHaveValue('document_expired')
    await expect(page.getByLabel('In your words')).toHaveValue('Expired in March; the signer was told.')
    expect(simulator.decisions).toEqual([])
  } finally {
    await harness.close()
    await keytar.deletePassword(`${keychainService}.sandbox`, 'officer')
    await keytar.deletePassword(`${keychainService}.case-book`, 'case-book-key')
  }
})
