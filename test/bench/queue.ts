import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { type Browser, chromium, type Page } from 'playwright'
import { type Harness, startHarness } from '../harness/server'
import { DEFAULT_RAO } from '../simulator/seed'
import { type Simulator, startSimulator } from '../simulator/server'
import { cleanKeychain } from '../support/keychain'
import { writeJournal } from './journal-fill'

// `npm run bench:queue` (inside a private D-Bus session and keyring, as the tests use): the queue in
// Chromium through the browser harness, median of 5 runs each, at 10,000 and at 100,000 cases.
// - import: 10,000 pasted pairs checked against the simulator, through the page (window.rao.addCases);
// - cold start: from the app's services created on a book of that size on disk (nothing in memory),
//   beside a journal of 50,000 entries (a desk after years of work), to the frame that paints the
//   queue's first rows in a page loaded then. Each start locks the desk: the time to the lock screen's
//   PIN field painted, plus the time from the PIN sent to the first rows painted; the PIN is typed at a
//   person's pace (a key every 250 ms), which is not counted. Each share, and the page's own (main
//   already running), are printed beside it;
// - first rows: the queue opened from another screen of the running app, to its first rows painted;
// - keystroke: one character typed in search (from an empty search, so every case is compared), from
//   the input event to the filtered list laid out, 40 of them (median and 95th percentile); the frame
//   that then shows it waits for the display's next refresh, printed beside each;
// - sync: 1,000 open cases read with 20 ms added to every call of the simulator; then the rounds in
//   which nothing changed on the 10,000-case desk, the one its restart began (every signer read back
//   from the book) and one more, and the bytes they appended to the book (and the rows pushed);
// - journal: an app started on a journal of 50,000 entries, from the click on "Journal" to its rows
//   painted with the filters in place.
// Prints each run, the machine's load, then the summary line last. `-- --smoke`: one run of each at a
// tenth of the sizes, to try the bench itself; its last line says so, and its figures are not the bench's.
const SMOKE = process.argv.includes('--smoke')
const RUNS = SMOKE ? 1 : 5
const SIZE = SMOKE
  ? { book: 1000, years: 10_000, sync: 100, journal: 5000 }
  : { book: 10_000, years: 100_000, sync: 1000, journal: 50_000 }
const count = (value: number) => value.toLocaleString('en')
const CHARACTERS = ['z', 'u', 'h', 'f', 'v', 'q', 'x', 'k']
const chromiumPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((file) => existsSync(file))
const VIEWPORT = { width: 1280, height: 820 }

const GIVEN = ['Lucía', 'Javier', 'Ana', 'Marc', 'Carmen', 'Diego', 'Sofía', 'Pablo', 'Elena', 'Hugo']
const SURNAMES = ['García', 'Fernández', 'López', 'Puig', 'Sánchez', 'Martín', 'Romero', 'Torres', 'Ortega']
/** A working desk's mix: most cases still open. */
const OPEN_MIX = [
  'VIDEOREVIEW',
  'VIDEOREVIEW',
  'CREATED',
  'VIDEOPENDING',
  'VIDEOINCOMPLETE',
  'ENROLLREADY',
  'CANCELLED',
]
/** A desk after years of work: one case in ten still open, the rest issued or cancelled. */
const YEARS_MIX = [
  'VIDEOREVIEW',
  ...Array.from({ length: 6 }, () => 'ENROLLREADY'),
  'ISSUED',
  'ISSUED',
  'CANCELLED',
]

/** Synthetic cases on the simulator: varied names, documents and states, belonging to no one. */
function fillSimulator(simulator: Simulator, count: number, mix: readonly string[]): string[] {
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
    created.status = mix[index % mix.length] as string
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
  return pairs
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}
const percentile95 = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.ceil(sorted.length * 0.95) - 1] as number
}
const load = () => loadavg()[0]?.toFixed(2)

/** A book kept on disk between app starts, with its keychain entries, until the bench is done. */
interface Desk {
  dataDir: string
  keychainService: string
}
const newDesk = (): Desk => ({
  dataDir: mkdtempSync(path.join(tmpdir(), 'rao-bench-queue-')),
  keychainService: `rao-desk-bench-${randomBytes(6).toString('hex')}`,
})
async function dropDesk(desk: Desk): Promise<void> {
  rmSync(desk.dataDir, { recursive: true, force: true })
  await cleanKeychain(desk.keychainService)
}
const startOn = (desk: Desk, simulator: Simulator) => startHarness({ optimizerUrl: simulator.url, ...desk })
const bookFileOf = (desk: Desk) => path.join(desk.dataDir, 'case-book.jsonl')
/** A desk after years of work: its journal, chained and keyed as the app keeps it. */
const journalOf = (desk: Desk, simulator: Simulator) =>
  writeJournal(
    path.join(desk.dataDir, 'decision-journal.jsonl'),
    desk.keychainService,
    SIZE.journal,
    simulator.url,
  )

async function setUp(page: Page): Promise<void> {
  await page.getByLabel('RAO username').fill(DEFAULT_RAO.username)
  await page.getByLabel('Password', { exact: true }).fill(DEFAULT_RAO.password)
  await page.getByLabel('PIN').fill(DEFAULT_RAO.pin)
  await page.getByLabel('RAO id').fill(DEFAULT_RAO.rao)
  await page.getByRole('button', { name: 'Save credentials' }).click()
  await page.getByRole('heading', { name: 'Video ID queue' }).waitFor()
}

/** Pairs pasted into the running app, checked against the simulator: seconds to the answer. */
async function importPairs(page: Page, pairs: readonly string[]): Promise<number> {
  return page.evaluate(async (text) => {
    const started = performance.now()
    const result = await window.rao.addCases({ text })
    if (!result.ok || result.value.kind !== 'lines') throw new Error('the pairs were not added')
    return (performance.now() - started) / 1000
  }, pairs.join('\n'))
}

/**
 * Records, in the page, the moments the lock screen's PIN field and the queue's first rows are painted
 * (as wall-clock time).
 */
const watchFirstRows = (page: Page) =>
  page.addInitScript(() => {
    // No named function in here: the TypeScript runner would name it with a helper the page does not have.
    for (const [selector, name] of [
      ['.lock-screen input', '__lockScreenAt'],
      ['[role="option"]', '__firstRowsAt'],
    ] as const) {
      const seen = new MutationObserver(() => {
        if (!document.querySelector(selector)) return
        seen.disconnect()
        // The frame that paints it starts after this callback; its end is the next task.
        requestAnimationFrame(() =>
          setTimeout(() => Object.assign(window, { [name]: performance.timeOrigin + performance.now() })),
        )
      })
      seen.observe(document, { childList: true, subtree: true })
    }
  })
const paintedAt = async (page: Page, name: '__firstRowsAt' | '__lockScreenAt') => {
  await page.waitForFunction((key) => key in window, name, { timeout: 60_000 })
  return page.evaluate((key) => (window as unknown as Record<string, number>)[key] as number, name)
}
const firstRowsAt = (page: Page) => paintedAt(page, '__firstRowsAt')

/**
 * The app started on a book on disk: from its services created (nothing of the book in memory) to the
 * lock screen painted in a page loaded at once, and from the PIN sent to the first rows painted; then,
 * for comparison, a second page on the running app.
 */
async function coldStart(browser: Browser, desk: Desk, simulator: Simulator) {
  const page = await browser.newPage({ viewport: VIEWPORT })
  await watchFirstRows(page)
  const started = Date.now()
  const harness = await startOn(desk, simulator)
  await page.goto(harness.url)
  const lock = (await paintedAt(page, '__lockScreenAt')) - started
  // Before the round the start begins a moment after the window's first answer.
  const bookBytes = statSync(bookFileOf(desk)).size
  await page.getByLabel('PIN', { exact: true }).pressSequentially(DEFAULT_RAO.pin, { delay: 250 })
  const sent = Date.now()
  await page.keyboard.press('Enter')
  const unlocked = (await firstRowsAt(page)) - sent
  const cold = lock + unlocked
  const warmPage = await browser.newPage({ viewport: VIEWPORT })
  await warmPage.goto(harness.url) // sets the harness's cookie; the timed load follows
  await watchFirstRows(warmPage)
  const navigated = Date.now()
  await warmPage.goto(harness.origin)
  const warm = (await firstRowsAt(warmPage)) - navigated
  await warmPage.close()
  return { cold, lock, unlocked, warm, page, harness, bookBytes }
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

/**
 * One character typed into an empty search: from the input event to the filtered list laid out (the
 * keystroke's own work: React renders an input's change before the event is done), and to the end of
 * the frame that paints it.
 */
async function keystroke(page: Page, character: string): Promise<{ work: number; painted: number }> {
  const search = page.getByLabel('Search')
  await search.fill('')
  await page.getByRole('option').first().waitFor()
  await page.evaluate(() => {
    Object.assign(window, { __keystroke: undefined })
    // On the window, so it runs after the page's own handler has rendered the change.
    window.addEventListener(
      'input',
      (event) => {
        document.body.getBoundingClientRect() // the filtered list laid out
        const work = performance.now() - event.timeStamp
        requestAnimationFrame(() =>
          setTimeout(() =>
            Object.assign(window, {
              __keystroke: { work, painted: performance.now() - event.timeStamp },
            }),
          ),
        )
      },
      { once: true },
    )
  })
  await search.press(character)
  await page.waitForFunction(() => (window as unknown as { __keystroke?: object }).__keystroke !== undefined)
  return page.evaluate(
    () => (window as unknown as { __keystroke: { work: number; painted: number } }).__keystroke,
  )
}

/** Waits until main has unsealed every row's signer: search then compares the whole book. */
const signersRead = (page: Page) =>
  page.getByText(/still being read/).waitFor({ state: 'detached', timeout: 120_000 })

async function keystrokes(page: Page, label: string): Promise<number[]> {
  await signersRead(page)
  await page.getByRole('button', { name: /^All/ }).click()
  const work: number[] = []
  for (let round = 0; round < RUNS; round++)
    for (const character of CHARACTERS) {
      const measured = await keystroke(page, character)
      work.push(measured.work)
      console.info(
        `${label} keystroke "${character}": ${measured.work.toFixed(1)} ms laid out, ${measured.painted.toFixed(1)} ms painted`,
      )
    }
  return work
}

const browser = await chromium.launch({ ...(chromiumPath ? { executablePath: chromiumPath } : {}) })
const simulator = await startSimulator({ seed: false })
const desks: Desk[] = []
const desk = (): Desk => {
  const made = newDesk()
  desks.push(made)
  return made
}
console.info(`load at start: ${load()}`)

try {
  // Import: 10,000 pairs into a new book, five times; the first book stays for what follows.
  const pairs10k = fillSimulator(simulator, SIZE.book, OPEN_MIX)
  const book10k = desk()
  const importRuns: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const target = run === 0 ? book10k : desk()
    const harness = await startOn(target, simulator)
    const page = await browser.newPage({ viewport: VIEWPORT })
    await page.goto(harness.url)
    if (run === 0) await setUp(page)
    importRuns.push(await importPairs(page, pairs10k))
    console.info(
      `import of ${count(SIZE.book)} pairs, run ${run + 1}: ${importRuns.at(-1)?.toFixed(2)} s (load ${load()})`,
    )
    await page.close()
    await harness.close()
  }

  // Cold start on the 10,000-case book, beside a journal of 50,000 entries.
  await journalOf(book10k, simulator)
  const coldRuns: number[] = []
  let running: Awaited<ReturnType<typeof coldStart>> | undefined
  for (let run = 0; run < RUNS; run++) {
    const started = await coldStart(browser, book10k, simulator)
    coldRuns.push(started.cold)
    console.info(
      `${count(SIZE.book)} cases: app start to first rows, run ${run + 1}: ${started.cold.toFixed(0)} ms (to the lock screen ${started.lock.toFixed(0)} ms, the PIN sent to the first rows ${started.unlocked.toFixed(0)} ms; the page's own share, main running: ${started.warm.toFixed(0)} ms; load ${load()})`,
    )
    if (run < RUNS - 1) {
      await started.page.close()
      await started.harness.close()
    } else running = started
  }
  if (!running) throw new Error('no app running')

  const firstRowRuns: number[] = []
  for (let run = 0; run < RUNS; run++) {
    firstRowRuns.push(await openQueue(running.page))
    console.info(`queue opened to first rows, run ${run + 1}: ${firstRowRuns.at(-1)?.toFixed(1)} ms`)
  }
  const keystroke10k = await keystrokes(running.page, `${count(SIZE.book)} cases:`)

  // Rounds in which nothing changed: each reads every open case, appends nothing and pushes nothing.
  // The first after a restart compares the signers read back from the book with the Optimizer's.
  const bookFile = bookFileOf(book10k)
  const round = () =>
    running?.page.evaluate(async () => {
      const result = await window.rao.syncCases()
      if (!result.ok) throw new Error(result.error.code)
    })
  await round() // ends the round the start began, or runs one more after it
  const startBytes = statSync(bookFile).size - running.bookBytes
  const sizeBefore = statSync(bookFile).size
  const pushedBefore = running.harness.transcript.filter((line) => line.startsWith('{"change":')).length
  const readsBefore = simulator.requests.length
  await round()
  const idleBytes = statSync(bookFile).size - sizeBefore
  const idlePushes =
    running.harness.transcript.filter((line) => line.startsWith('{"change":')).length - pushedBefore
  console.info(
    `rounds with nothing changed: since the restart (the round it began included) ${startBytes} bytes appended; one more: ${simulator.requests.length - readsBefore} cases read, ${idleBytes} bytes appended, ${idlePushes} pushes of rows`,
  )
  await running.page.close()
  await running.harness.close()

  // Sync: 1,000 open cases, 20 ms added to every read of the Optimizer.
  const syncSimulator = await startSimulator({ seed: false })
  const syncDesk = desk()
  const syncHarness = await startOn(syncDesk, syncSimulator)
  await syncHarness.cases.addPairs(fillSimulator(syncSimulator, SIZE.sync, ['VIDEOPENDING']).join('\n'))
  syncSimulator.inject({
    route: 'GET /request/*',
    fault: { kind: 'latency', ms: 20 },
    times: Number.POSITIVE_INFINITY,
  })
  const syncPage = await browser.newPage()
  await syncPage.goto(syncHarness.url)
  const syncRuns: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const seconds = await syncPage.evaluate(async () => {
      const started = performance.now()
      const result = await window.rao.syncCases()
      if (!result.ok) throw new Error(result.error.code)
      return (performance.now() - started) / 1000
    })
    syncRuns.push(seconds)
    console.info(`sync of ${count(SIZE.sync)} cases, run ${run + 1}: ${seconds.toFixed(2)} s`)
  }
  await syncPage.close()
  await syncHarness.close()
  await syncSimulator.close()

  // The journal: an app started on 50,000 entries; the click on "Journal" to its rows painted.
  const journalDesk = desk()
  await journalOf(journalDesk, simulator)
  const journalHarness = await startOn(journalDesk, simulator)
  const journalRuns: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const page = await browser.newPage({ viewport: VIEWPORT })
    await page.goto(journalHarness.url)
    if (run === 0) await setUp(page)
    await page.getByRole('heading', { name: 'Video ID queue' }).waitFor()
    const ms = await page.evaluate(async () => {
      const started = performance.now()
      const opened = new Promise<number>((resolve) => {
        const seen = new MutationObserver(() => {
          const table = document.querySelector('.journal-table tbody tr td')
          const filter = document.querySelector('.journal-tools select') as HTMLSelectElement | null
          if (!table || !filter || filter.disabled) return
          seen.disconnect()
          requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started)))
        })
        seen.observe(document.body, { childList: true, subtree: true })
      })
      const journal = [...document.querySelectorAll('nav button')].find(
        (button) => button.textContent === 'Journal',
      )
      ;(journal as HTMLButtonElement).click()
      return opened
    })
    const read = await page.evaluate(
      () =>
        (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((entry) =>
          entry.name.endsWith('/__ipc/getJournal'),
        )?.duration ?? 0,
    )
    journalRuns.push(ms)
    console.info(
      `journal of ${count(SIZE.journal)} entries opened to its rows, run ${run + 1}: ${ms.toFixed(0)} ms (read at the app's start in ${read.toFixed(0)} ms)`,
    )
    await page.close()
  }
  await journalHarness.close()

  // 100,000 cases: a desk after years of work. Added through main directly (the page's paste takes
  // at most 1 MB at once), then the app started on them.
  const pairs100k = fillSimulator(simulator, SIZE.years, YEARS_MIX)
  const book100k = desk()
  const filling = await startOn(book100k, simulator)
  const fillPage = await browser.newPage({ viewport: VIEWPORT })
  await fillPage.goto(filling.url)
  await setUp(fillPage)
  await fillPage.close()
  const filled = Date.now()
  for (let from = 0; from < pairs100k.length; from += 20_000)
    await filling.cases.addPairs(pairs100k.slice(from, from + 20_000).join('\n'))
  console.info(`${count(SIZE.years)} cases added in ${((Date.now() - filled) / 1000).toFixed(1)} s`)
  await filling.close()
  await journalOf(book100k, simulator)
  const cold100kRuns: number[] = []
  let running100k: { page: Page; harness: Harness } | undefined
  for (let run = 0; run < RUNS; run++) {
    const started = await coldStart(browser, book100k, simulator)
    cold100kRuns.push(started.cold)
    console.info(
      `${count(SIZE.years)} cases: app start to first rows, run ${run + 1}: ${started.cold.toFixed(0)} ms (to the lock screen ${started.lock.toFixed(0)} ms, the PIN sent to the first rows ${started.unlocked.toFixed(0)} ms; the page's own share, main running: ${started.warm.toFixed(0)} ms; load ${load()})`,
    )
    if (run < RUNS - 1) {
      await started.page.close()
      await started.harness.close()
    } else running100k = started
  }
  if (!running100k) throw new Error('no app running')
  const keystroke100k = await keystrokes(running100k.page, `${count(SIZE.years)} cases:`)
  await running100k.page.close()
  await running100k.harness.close()

  console.info(`load at the end: ${load()}`)
  console.info(
    `${SMOKE ? `queue smoke, not the bench's figures (${count(SIZE.book)}, ${count(SIZE.years)} cases, one run)` : 'queue'}: cold_start_ms=${median(coldRuns).toFixed(0)} first_rows_ms=${median(firstRowRuns).toFixed(0)} keystroke_ms=${median(keystroke10k).toFixed(1)} keystroke_p95_ms=${percentile95(keystroke10k).toFixed(1)} sync_1000_s=${median(syncRuns).toFixed(2)} idle_round_bytes=${startBytes + idleBytes} import_10k_s=${median(importRuns).toFixed(2)} cold_start_100k_ms=${median(cold100kRuns).toFixed(0)} keystroke_100k_ms=${median(keystroke100k).toFixed(1)} journal_50k_open_ms=${median(journalRuns).toFixed(0)}`,
  )
} finally {
  await browser.close()
  await simulator.close()
  for (const made of desks) await dropDesk(made)
}
