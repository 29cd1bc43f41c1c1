import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type Browser, expect, type Page, test } from '@playwright/test'
import pg from 'pg'
import { addOfficer, initTeam } from '../../main/team/admin'
import { type Harness, startHarness } from '../harness/server'
import { type Simulator, startSimulator } from '../simulator/server'
import { cleanKeychain } from '../support/keychain'
import { type Cluster, startCluster } from '../support/pg-cluster'
import { setUpByKeyboard, tabTo } from './keyboard'

// Two officers at two desks, as the RA works: two harnesses (each with its own data folder and keychain
// service, the app's own services behind it) with a page each, one team database, one simulator.
test.describe.configure({ mode: 'default' })
test.setTimeout(180_000)

const PAIRS = [
  '16673,923056,lucia.garcia@example.org', // Lucía García Moreno, one-step, in review
  '16674,923057,30918274H', // Javier Fernández Ruiz, two-step, in review
  '16675,923058,+34 699 870 112', // Ana Isabel López de la Fuente, one-step, in review
]
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

interface Officer {
  role: string
  password: string
}
interface Desk {
  harness: Harness
  page: Page
}

let cluster: Cluster
const officers: Record<string, Officer> = {}
let made = 0

async function superuser(database = 'rao_team') {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: cluster.port,
    database,
    user: 'rao_test_superuser',
    password: cluster.superuserPassword,
  })
  client.on('error', () => undefined)
  await client.connect()
  return client
}

test.beforeAll(async () => {
  cluster = await startCluster()
  const admin = await superuser()
  try {
    await initTeam(admin)
    officers.ana = await addOfficer(admin, 'ana')
    officers.ben = await addOfficer(admin, 'ben', { admin: true })
    officers.carol = await addOfficer(admin, 'carol')
  } finally {
    await admin.end()
  }
})
test.afterAll(() => cluster?.close())

/** A team database of the test's own (the officers are the cluster's), as a desk is given its address. */
async function teamDatabase(): Promise<{ url: string; database: string }> {
  const database = `team_e2e_${++made}`
  const server = await superuser()
  await server.query(`CREATE DATABASE ${database}`).finally(() => server.end())
  const client = await superuser(database)
  await initTeam(client).finally(() => client.end())
  return { url: cluster.url().replace('/rao_team', `/${database}`), database }
}

/** One officer's desk: the app's services behind a page, the credentials set up from the keyboard. */
async function openDesk(browser: Browser, simulator: Simulator, closers: (() => Promise<unknown>)[]) {
  const harness = await startHarness({ optimizerUrl: simulator.url })
  closers.push(() => harness.close())
  const context = await browser.newContext({ locale: 'en-GB' })
  closers.push(() => context.close())
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text())
  })
  closers.push(async () => expect(problems).toEqual([]))
  await page.goto(harness.url)
  await setUpByKeyboard(page)
  return { harness, page }
}

/** Team mode on, as an officer does it: in the settings, from the keyboard. */
async function joinInSettings(page: Page, url: string, officer: Officer) {
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click()
  await tabTo(page, page.getByLabel('Team mode'))
  await page.keyboard.press('Space')
  await page.keyboard.press('Tab')
  await page.keyboard.type(url)
  await page.keyboard.press('Tab')
  await page.keyboard.type(officer.role)
  await page.keyboard.press('Tab')
  await page.keyboard.type(officer.password)
  await page.keyboard.press('Enter')
  await expect(page.getByText('Team mode saved.')).toBeVisible()
  await expect(page.getByText(`Connected to the team database as ${officer.role}.`)).toBeVisible()
  // The password is not shown back.
  await expect(page.getByLabel('Database password')).toHaveValue('')
}

const join = (desk: Desk, url: string, officer: Officer) =>
  desk.harness.team.setUp({ enabled: true, url, user: officer.role, password: officer.password })

const row = (page: Page, name: string) => page.getByRole('option').filter({ hasText: name })

async function toQueue(page: Page) {
  await page.getByRole('navigation').getByRole('button', { name: 'Queue' }).click()
  await expect(page.getByRole('heading', { name: 'Video ID queue' })).toBeVisible()
}

async function open(page: Page, name: string) {
  await toQueue(page)
  await row(page, name).click()
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible()
}

async function tickAll(page: Page) {
  for (const label of CHECKS) await page.getByLabel(label).check()
}

/** Approves the case open on the page; in team mode the desk then takes the next case, and says what was done. */
async function approve(page: Page, name: string) {
  await page.keyboard.press('a')
  await page.getByRole('dialog').getByRole('button', { name: 'Approve' }).click()
  await expect(page.getByRole('status').filter({ hasText: `${name}: Approve — done.` })).toBeVisible()
}

test.describe('the team desk', () => {
  let simulator: Simulator
  let closers: (() => Promise<unknown>)[]
  test.beforeEach(async () => {
    simulator = await startSimulator()
    closers = [() => simulator.close()]
  })
  test.afterEach(async () => {
    for (const close of closers.reverse()) await close()
  })

  test('A opens a case, B sees it claimed and cannot decide it; A leaves, B takes it; take-next at once gives two cases', async ({
    browser,
  }) => {
    const { url } = await teamDatabase()
    const [a, b] = [await openDesk(browser, simulator, closers), await openDesk(browser, simulator, closers)]
    await joinInSettings(a.page, url, officers.ana as Officer)
    await join(b, url, officers.ben as Officer)
    // Desk A adds the cases; desk B takes them from the team and reads the signers itself.
    await a.harness.cases.addPairs(PAIRS.join('\n'))
    await toQueue(b.page)
    await expect(row(b.page, 'Lucía García Moreno')).toBeVisible()

    await open(a.page, 'Lucía García Moreno')
    await expect(row(b.page, 'Lucía García Moreno')).toContainText('Being reviewed by ana')
    await open(b.page, 'Lucía García Moreno')
    await expect(b.page.getByText(/Being reviewed by ana since/)).toBeVisible()
    await tickAll(b.page)
    await expect(b.page.getByRole('button', { name: 'Approve', exact: true })).toBeDisabled()
    await b.page.keyboard.press('a')
    await expect(b.page.getByRole('dialog')).toBeHidden()
    // Watching and notes go on.
    await b.page.getByLabel('Local note').fill('Seen while ana reviews it.')
    await b.page.getByRole('button', { name: 'Save note' }).click()
    await expect(b.page.getByText('Note saved.')).toBeVisible()

    // A leaves the case: B, who has it open, gets it.
    await a.page.keyboard.press('Escape')
    await expect(b.page.getByText(/Being reviewed by ana/)).toBeHidden()
    await expect(b.page.getByRole('button', { name: 'Approve', exact: true })).toBeEnabled()
    await approve(b.page, 'Lucía García Moreno')
    expect(simulator.decisions).toEqual([{ action: 'approve', videoidPk: 16673 }])
    await a.page.getByRole('button', { name: /^All/ }).click()
    await expect(row(a.page, 'Lucía García Moreno')).toContainText('Approved')

    // Take-next pressed on both pages at once: two different cases, each claimed by its officer.
    await toQueue(a.page)
    await toQueue(b.page)
    await Promise.all([a.page.keyboard.press('t'), b.page.keyboard.press('t')])
    const heading = (page: Page) => page.getByRole('heading', { level: 1 })
    await expect(heading(a.page)).toHaveText(/Javier Fernández Ruiz|Ana Isabel López de la Fuente/)
    await expect(heading(b.page)).toHaveText(/Javier Fernández Ruiz|Ana Isabel López de la Fuente/)
    expect(await heading(a.page).textContent()).not.toBe(await heading(b.page).textContent())
    await expect(a.page.getByText(/Being reviewed by/)).toBeHidden()
    await expect(b.page.getByText(/Being reviewed by/)).toBeHidden()
    // Nothing is left for a third press (N on a case takes the next in team mode): back to the queue.
    await a.page.keyboard.press('n')
    await expect(a.page.getByRole('heading', { name: 'Video ID queue' })).toBeVisible()
    await expect(a.page.getByText(/No pending case is free/)).toBeVisible()
  })

  test('two-step across desks: A validates and cannot approve, B approves; only the admin changes the team’s controls', async ({
    browser,
  }) => {
    const { url } = await teamDatabase()
    const [a, b] = [await openDesk(browser, simulator, closers), await openDesk(browser, simulator, closers)]
    await join(a, url, officers.ana as Officer)
    await join(b, url, officers.ben as Officer)
    await a.harness.cases.addPairs(PAIRS[1] as string)

    // Ana sees the team's controls and cannot change them; Ben, an admin, turns two-step mode on.
    await a.page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click()
    const controls = (page: Page) => page.getByRole('group', { name: 'The team’s controls' })
    await expect(controls(a.page).getByLabel('Two-step mode: validate, then approve')).toBeDisabled()
    await b.page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click()
    await controls(b.page).getByLabel('Two-step mode: validate, then approve').check()
    await controls(b.page).getByRole('button', { name: 'Save the team’s controls' }).click()
    await expect(controls(b.page).getByText('The team’s controls are saved.')).toBeVisible()
    await expect(controls(a.page).getByLabel('Two-step mode: validate, then approve')).toBeChecked()

    await open(a.page, 'Javier Fernández Ruiz')
    await tickAll(a.page)
    await a.page.keyboard.press('v')
    await a.page.getByRole('dialog').getByRole('button', { name: 'Validate' }).click()
    await expect(
      a.page.getByRole('status').filter({ hasText: 'Javier Fernández Ruiz: Validate — done.' }),
    ).toBeVisible()
    // The desk moved on (nothing left for Ana); back on the case, her validation keeps her from approving.
    await open(a.page, 'Javier Fernández Ruiz')
    await expect(
      a.page.getByText('You validated this case: another officer approves it (four eyes).'),
    ).toBeVisible()
    await expect(a.page.getByRole('button', { name: 'Approve', exact: true })).toBeDisabled()

    await open(b.page, 'Javier Fernández Ruiz')
    await tickAll(b.page)
    await approve(b.page, 'Javier Fernández Ruiz')
    expect(simulator.decisions).toEqual([
      { action: 'validate', videoidPk: 16674 },
      { action: 'approve', videoidPk: 16674 },
    ])
  })

  test('the database stopped and started mid-review: deciding waits, notes go on, and it decides once back', async ({
    browser,
  }) => {
    const { url } = await teamDatabase()
    const a = await openDesk(browser, simulator, closers)
    await join(a, url, officers.ana as Officer)
    await a.harness.cases.addPairs(PAIRS[0] as string)
    await open(a.page, 'Lucía García Moreno')
    await tickAll(a.page)
    await expect(a.page.getByRole('button', { name: 'Approve', exact: true })).toBeEnabled()

    await cluster.stop()
    try {
      await expect(
        a.page.getByRole('alert').filter({ hasText: 'The team database cannot be reached' }),
      ).toBeVisible()
      await expect(a.page.getByRole('button', { name: 'Approve', exact: true })).toBeDisabled()
      await a.page.getByLabel('Local note').fill('Waiting for the team database.')
      await a.page.getByRole('button', { name: 'Save note' }).click()
      await expect(a.page.getByText('Note saved.')).toBeVisible()
      expect(simulator.decisions).toEqual([])
    } finally {
      await cluster.start()
    }
    await expect(
      a.page.getByRole('alert').filter({ hasText: 'The team database cannot be reached' }),
    ).toBeHidden({
      timeout: 20_000,
    })
    // The checklist is as it was, the claim is taken again: the officer decides.
    await expect(a.page.getByRole('button', { name: 'Approve', exact: true })).toBeEnabled()
    await approve(a.page, 'Lucía García Moreno')
    expect(simulator.decisions).toEqual([{ action: 'approve', videoidPk: 16673 }])
  })

  test('a desk killed holding a claim: the lease runs out by the database’s clock and the case is free', async ({
    browser,
  }) => {
    const { url, database } = await teamDatabase()
    const b = await openDesk(browser, simulator, closers)
    await join(b, url, officers.ben as Officer)
    await b.harness.cases.addPairs(PAIRS[0] as string)
    await toQueue(b.page)

    // Carol's desk, in a process of its own, opens the case with a lease of 4 s; then it is killed.
    const dataDir = mkdtempSync(path.join(tmpdir(), 'rao-desk-killed-'))
    const service = `rao-desk-e2e-${randomBytes(6).toString('hex')}`
    closers.push(async () => {
      rmSync(dataDir, { recursive: true, force: true })
      await cleanKeychain(service)
    })
    const carol = officers.carol as Officer
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, 'team-desk-child.ts')],
      {
        env: {
          ...process.env,
          DESK_DATA: dataDir,
          DESK_SERVICE: service,
          DESK_OPTIMIZER: simulator.url,
          DESK_TEAM: url,
          DESK_USER: carol.role,
          DESK_PASSWORD: carol.password,
          DESK_CASE: '16673',
          DESK_LEASE: '4',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    closers.push(async () => kill(child))
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('held') && resolve())
      child.once('exit', (code) => reject(new Error(`the desk exited with ${code}`)))
    })
    await expect(row(b.page, 'Lucía García Moreno')).toContainText('Being reviewed by carol')
    kill(child)

    // No release comes from a killed desk: the claim runs out with its lease.
    const until = await leaseEnd(database)
    await expect(row(b.page, 'Lucía García Moreno')).not.toContainText('Being reviewed by carol', {
      timeout: 15_000,
    })
    expect(Date.now()).toBeGreaterThanOrEqual(until - 1_000)
    await open(b.page, 'Lucía García Moreno')
    await tickAll(b.page)
    await approve(b.page, 'Lucía García Moreno')
    expect(simulator.decisions).toEqual([{ action: 'approve', videoidPk: 16673 }])
  })
})

function kill(child: ChildProcess) {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}

/** When the live claim runs out, by the database's clock, in this machine's milliseconds. */
async function leaseEnd(database: string): Promise<number> {
  const client = await superuser(database)
  try {
    const { rows } = await client.query<{ left: number }>(
      `SELECT extract(epoch FROM max(until) - clock_timestamp()) * 1000 AS left FROM rao_team.claims`,
    )
    return Date.now() + Number(rows[0]?.left ?? 0)
  } finally {
    await client.end()
  }
}
