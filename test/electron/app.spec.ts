import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { _electron as electron, expect, test } from '@playwright/test'
import { WINDOW_RAO } from '../window-rao'

// The real app in the real Electron binary. Electron's binary cannot be installed on every machine (its
// download comes from GitHub); where it is missing these tests are skipped and say so.
// Read where the package put it, without `require('electron')`: that would try to download it.
function electronBinary(): string | undefined {
  const packageDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'))
  const pathFile = path.join(packageDir, 'path.txt')
  if (!existsSync(pathFile)) return undefined
  const binary = path.join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim())
  return existsSync(binary) ? binary : undefined
}
const executablePath = electronBinary()
const root = path.resolve(import.meta.dirname, '../..')

// On a machine that has the binary, RAO_DESK_REQUIRE_ELECTRON=1 turns a missing one into a failure.
const required = process.env.RAO_DESK_REQUIRE_ELECTRON === '1'
test.skip(
  !executablePath && !required,
  'Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD); real-app tests need it',
)
test.beforeEach(() => {
  if (!executablePath) throw new Error('RAO_DESK_REQUIRE_ELECTRON=1, and no Electron binary is installed')
})

test('opens the built app from app:// with an isolated, sandboxed page that sees only window.rao', async () => {
  const app = await electron.launch({ executablePath, args: [root] })
  const page = await app.firstWindow()
  expect(page.url()).toBe('app://rao-desk/index.html')
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
  const surface = await page.evaluate(() => ({
    keys: Object.keys(window.rao).sort(),
    node: typeof (globalThis as { require?: unknown }).require,
    process: typeof (globalThis as { process?: unknown }).process,
  }))
  expect(surface.node).toBe('undefined')
  expect(surface.process).toBe('undefined')
  expect(surface.keys).toEqual(WINDOW_RAO)
  await app.close()
})

test('refuses navigation away from the app and window.open', async () => {
  const app = await electron.launch({ executablePath, args: [root] })
  const page = await app.firstWindow()
  let opened = 0
  app.on('window', () => opened++)
  // The guards answer synchronously: once a round trip to the page has come back, both were decided.
  await page.evaluate(() => {
    window.open('https://example.com/')
    window.location.href = 'https://example.com/'
  })
  await expect.poll(() => page.evaluate(() => document.readyState)).toBe('complete')
  expect(opened).toBe(0)
  expect(app.windows()).toHaveLength(1)
  expect(page.url()).toBe('app://rao-desk/index.html')
  await app.close()
})
