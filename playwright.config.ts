import { existsSync } from 'node:fs'
import { defineConfig } from '@playwright/test'

// Debian's Chromium where present (Playwright cannot download its own browser everywhere).
const systemChromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((file) => existsSync(file))
const executablePath = process.env.RAO_DESK_CHROMIUM ?? systemChromium

export default defineConfig({
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  forbidOnly: Boolean(process.env.CI),
  reporter: [['list'], ['json', { outputFile: 'out/test-results/playwright.json' }]],
  outputDir: 'out/test-results/playwright',
  projects: [
    {
      name: 'e2e',
      testDir: 'test/e2e',
      use: {
        browserName: 'chromium',
        locale: 'en-GB',
        launchOptions: {
          ...(executablePath ? { executablePath } : {}),
          // The machine's network is closed: keep Chromium from phoning home at start.
          args: [
            '--disable-background-networking',
            '--disable-component-update',
            '--no-first-run',
            '--disable-sync',
          ],
        },
      },
    },
    { name: 'electron', testDir: 'test/electron' },
  ],
})
