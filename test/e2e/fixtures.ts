import { test as base, type Page } from '@playwright/test'
import { type Harness, type HarnessOptions, startHarness } from '../harness/server'
import type { RaoAccount } from '../simulator/seed'
import { type Simulator, startSimulator } from '../simulator/server'

interface Fixtures {
  /** The RAO accounts the simulator knows; its default officer unless a test says otherwise. */
  simulatorRaos: RaoAccount[] | undefined
  /** Settle window and gone policy of the test's own, where it needs them short. */
  harnessOptions: Pick<HarnessOptions, 'settle' | 'gonePolicy' | 'idleMinuteMs'>
  /** Console errors a test provokes on purpose; any other error from the page fails the test. */
  expectedPageErrors: RegExp[]
  simulator: Simulator
  harness: Harness
  /** The real renderer in Chromium, its window.rao wired to the real services. */
  app: Page
}

export const test = base.extend<Fixtures>({
  expectedPageErrors: [[], { option: true }],
  simulatorRaos: [undefined, { option: true }],
  harnessOptions: [{}, { option: true }],
  simulator: async ({ simulatorRaos }, use) => {
    const simulator = await startSimulator(simulatorRaos ? { raos: simulatorRaos } : {})
    await use(simulator)
    await simulator.close()
  },
  harness: async ({ simulator, harnessOptions }, use) => {
    const harness = await startHarness({ optimizerUrl: simulator.url, ...harnessOptions })
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
