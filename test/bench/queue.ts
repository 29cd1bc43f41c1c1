import { existsSync } from 'node:fs'
import { chromium, type Page } from 'playwright'
import { startHarness } from '../harness/server'
import { DEFAULT_RAO } from '../simulator/seed'
import { type Simulator, startSimulator } from '../simulator/server'

// `npm run bench:queue`: the queue with 10,000 cases in the case book, in Chromium through the browser
// harness (median of 5 runs each): the queue opened from another screen to its first rows painted, and
// one keystroke in search to the filtered list painted; also, for the record, the app's cold start to
// its first rows (the whole book crossing from main). Then a sync of 1,000 open cases against the
// simulator with 20 ms added to every call. Prints each run, then the summary line last.
const RUNS = 5
const chromiumPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((file) => existsSync(file))

const GIVEN = [
  'Lucía',
  'Javier',
  'Ana',
  'Marc',
  'Carmen',
  'Diego',
  'Sofía',
  'Pablo',
  'Elena',
  'Hugo',
  'Irene',
  'Raúl',
]
const SURNAMES = [
  'García',
  'Fernández',
  'López',
  'Puig',
  'Sánchez',
  'Martín',
  'Romero',
  'Torres',
  'Ortega',
  'Delgado',
]
const STATUSES = [
  'VIDEOREVIEW',
  'VIDEOREVIEW',
  'CREATED',
  'VIDEOPENDING',
  'VIDEOINCOMPLETE',
  'ENROLLREADY',
  'CANCELLED',
]

/** Synthetic cases on the simulator: varied names, documents and states, belonging to no one. */
function fillSimulator(simulator: Simulator, count: number, status?: string): string {
  const pairs: string[] = []
  for (let index = 0; index < count; index++) {
    const given = GIVEN[index % GIVEN.length] as string
    const surname1 = SURNAMES[Math.floor(index / GIVEN.length) % SURNAMES.length] as string
    const surname2 = SURNAMES[(index * 7) % SURNAMES.length] as string
    const email = `${given}.${surname1}.${index}@example.org`.toLowerCase()
    const phone = `+34 6${String(10_000_000 + index).slice(-8)}`
    const created = simulator.state.addCase({
      mode: 'one-step',
      email,
      mobilePhoneNumber: phone,
      registrationAuthority: '1400',
      profile: 'PFnubeQAFCiudadano',
    })
    created.status = status ?? (STATUSES[index % STATUSES.length] as string)
    created.person = {
      given_name: given,
      surname_1: surname1,
      surname_2: surname2,
      serial_number: `${String(30_000_000 + index * 37).slice(-8)}X`,
      id_document_type: 'IDC',
      id_document_country: 'ES',
      email,
      mobile_phone_number: phone,
    }
    pairs.push(`${created.videoidPk},${created.requestPk}`)
  }
  return pairs.join('\n')
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

async function setUp(page: Page): Promise<void> {
  await page.getByLabel('RAO username').fill(DEFAULT_RAO.username)
  await page.getByLabel('Password', { exact: true }).fill(DEFAULT_RAO.password)
  await page.getByLabel('PIN').fill(DEFAULT_RAO.pin)
  await page.getByLabel('RAO id').fill(DEFAULT_RAO.rao)
  await page.getByRole('button', { name: 'Save credentials' }).click()
  await page.getByRole('option').first().waitFor()
}

/** From the click that opens the queue (from another screen of the running app) to the frame with its first rows. */
async function openQueue(page: Page): Promise<number> {
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click()
  await page.getByRole('heading', { name: 'Settings' }).waitFor()
  await page.evaluate(() => {
    Object.assign(window, { __openMs: undefined })
    const started = performance.now()
    const seen = new MutationObserver(() => {
      if (!document.querySelector('[role="option"]')) return
      seen.disconnect()
      requestAnimationFrame(() =>
        setTimeout(() => Object.assign(window, { __openMs: performance.now() - started })),
      )
    })
    seen.observe(document.body, { childList: true, subtree: true })
    const queue = [...document.querySelectorAll('nav button')].find(
      (button) => button.textContent === 'Queue',
    )
    ;(queue as HTMLButtonElement).click()
  })
  await page.waitForFunction(() => (window as unknown as { __openMs?: number }).__openMs !== undefined)
  return page.evaluate(() => (window as unknown as { __openMs: number }).__openMs)
}

/** From the start of the page load to the frame that shows the first rows (the queue is home). */
async function coldStart(page: Page, url: string): Promise<number> {
  await page.addInitScript(() => {
    const seen = new MutationObserver(() => {
      if (!document.querySelector('[role="option"]')) return
      seen.disconnect()
      // The frame that paints the rows starts after this callback; its end is the next task.
      requestAnimationFrame(() =>
        setTimeout(() => Object.assign(window, { __firstRowsMs: performance.now() })),
      )
    })
    seen.observe(document, { childList: true, subtree: true })
  })
  await page.goto(url)
  await page.waitForFunction(() => '__firstRowsMs' in window)
  return page.evaluate(() => (window as unknown as { __firstRowsMs: number }).__firstRowsMs)
}

/** One character typed into search, to the frame that shows the filtered list. */
async function keystroke(page: Page, character: string): Promise<number> {
  const search = page.getByLabel('Search')
  await search.fill('')
  await page.getByRole('option').first().waitFor()
  await page.evaluate(() => {
    const list = document.querySelector('[role="listbox"]')?.parentElement ?? document.body
    const input = document.querySelector('input[type="search"]') as HTMLInputElement
    input.addEventListener(
      'input',
      (event) => {
        const typedAt = event.timeStamp
        const changed = new MutationObserver(() => {
          changed.disconnect()
          requestAnimationFrame(() =>
            setTimeout(() => Object.assign(window, { __keystrokeMs: performance.now() - typedAt })),
          )
        })
        changed.observe(list, { childList: true, subtree: true, characterData: true })
      },
      { once: true },
    )
    Object.assign(window, { __keystrokeMs: undefined })
  })
  await search.press(character)
  await page.waitForFunction(
    () => (window as unknown as { __keystrokeMs?: number }).__keystrokeMs !== undefined,
  )
  return page.evaluate(() => (window as unknown as { __keystrokeMs: number }).__keystrokeMs)
}

const browser = await chromium.launch({ ...(chromiumPath ? { executablePath: chromiumPath } : {}) })
const simulator = await startSimulator({ seed: false })

// 10,000 cases in the case book, added the way an officer would, each checked on the Optimizer.
let harness = await startHarness({ optimizerUrl: simulator.url })
const pairs = fillSimulator(simulator, 10_000)
const added = Date.now()
await harness.cases.addPairs(pairs)
console.info(`case book: ${(await harness.cases.list()).length} cases added in ${Date.now() - added} ms`)
const page = await browser.newPage({ viewport: { width: 1280, height: 820 } })
await page.goto(harness.url)
await setUp(page)

// Cold: the app starts on the queue, and the whole book crosses from main. Reported, not the target.
const coldRuns: number[] = []
for (let run = 0; run < RUNS; run++) {
  const fresh = await browser.newPage({ viewport: { width: 1280, height: 820 } })
  await fresh.goto(harness.url) // sets the harness's cookie; the timed load follows
  coldRuns.push(await coldStart(fresh, harness.origin))
  await fresh.close()
  console.info(`app start to first rows, run ${run + 1}: ${coldRuns.at(-1)?.toFixed(1)} ms`)
}

const firstRowRuns: number[] = []
for (let run = 0; run < RUNS; run++) {
  firstRowRuns.push(await openQueue(page))
  console.info(`queue opened to first rows, run ${run + 1}: ${firstRowRuns.at(-1)?.toFixed(1)} ms`)
}

await page.getByRole('button', { name: /^All/ }).click()
const keystrokeRuns: number[] = []
for (const character of ['z', 'u', 'h', 'f', 'v']) {
  keystrokeRuns.push(await keystroke(page, character))
  console.info(`keystroke "${character}": ${keystrokeRuns.at(-1)?.toFixed(1)} ms`)
}
await page.close()
await harness.close()

// Sync: 1,000 open cases, 20 ms added to every read of the Optimizer.
const syncSimulator = await startSimulator({ seed: false })
harness = await startHarness({ optimizerUrl: syncSimulator.url })
await harness.cases.addPairs(fillSimulator(syncSimulator, 1000, 'VIDEOPENDING'))
syncSimulator.inject({
  route: 'GET /request/*',
  fault: { kind: 'latency', ms: 20 },
  times: Number.POSITIVE_INFINITY,
})
const syncPage = await browser.newPage()
await syncPage.goto(harness.url)
const syncRuns: number[] = []
for (let run = 0; run < RUNS; run++) {
  const seconds = await syncPage.evaluate(async () => {
    const started = performance.now()
    const result = await window.rao.syncCases()
    if (!result.ok) throw new Error(result.error.code)
    return (performance.now() - started) / 1000
  })
  syncRuns.push(seconds)
  console.info(`sync of 1,000 cases, run ${run + 1}: ${seconds.toFixed(2)} s`)
}
await harness.close()
await syncSimulator.close()
await simulator.close()
await browser.close()

console.info(`app start to first rows (median): ${median(coldRuns).toFixed(0)} ms`)
console.info(
  `queue: first_rows_ms=${median(firstRowRuns).toFixed(0)} keystroke_ms=${median(keystrokeRuns).toFixed(1)} sync_1000_s=${median(syncRuns).toFixed(2)}`,
)
