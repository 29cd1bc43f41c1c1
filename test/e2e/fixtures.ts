import { test as base, type Page } from '@playwright/test'
import { type Harness, startHarness } from '../harness/server'
import { type Simulator, startSimulator } from '../simulator/server'

interface Fixtures {
  /** Console errors a test provokes on purpose; any other error from the page fails the test. */
  expectedPageErrors: RegExp[]
  simulator: Simulator
  harness: Harness
  /** The real renderer in Chromium, its window.rao wired to the real services. */
  app: Page
}

export const test = base.extend<Fixtures>({
  expectedPageErrors: [[], { option: true }],
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads fixture dependencies from the pattern.
  simulator: async ({}, use) => {
    const simulator = await startSimulator()
    await use(simulator)
    await simulator.close()
  },
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads fixture dependencies from the pattern.
  harness: async ({}, use) => {
    const harness = await startHarness()
    await use(harness)
    await harness.close()
  },
  app: async ({ page, harness, expectedPageErrors }, use) => {
    const problems: string[] = []
    page.on('pageerror', (error) => problems.push(error.message))
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text())
    })
    await page.goto(harness.url)
    await use(page)
    const unexpected = problems.filter(
      (problem) => !expectedPageErrors.some((pattern) => pattern.test(problem)),
    )
    if (unexpected.length) throw new Error(`The page reported errors:\n${unexpected.join('\n')}`)
  },
})

export { expect } from '@playwright/test'
