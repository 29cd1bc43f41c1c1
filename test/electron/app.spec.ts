import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { _electron as electron, expect, test } from '@playwright/test'

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

test.skip(
  !executablePath,
  'Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD); real-app tests need it',
)

test('opens the app from app:// with an isolated, sandboxed page that sees only window.rao', async () => {
  const app = await electron.launch({ executablePath, args: [root] })
  const page = await app.firstWindow()
  expect(page.url()).toBe('app://rao-desk/index.html')
  await expect(page.getByRole('heading', { name: /Settings|Ajustes/ })).toBeVisible()
  const surface = await page.evaluate(() => ({
    keys: Object.keys(window.rao).sort(),
    node: typeof (globalThis as { require?: unknown }).require,
    process: typeof (globalThis as { process?: unknown }).process,
  }))
  expect(surface.node).toBe('undefined')
  expect(surface.process).toBe('undefined')
  expect(surface.keys).toContain('getSettings')
  await app.close()
})

test('refuses navigation away from the app and window.open', async () => {
  const app = await electron.launch({ executablePath, args: [root] })
  const page = await app.firstWindow()
  await page.evaluate(() => {
    window.open('https://example.com/')
    window.location.href = 'https://example.com/'
  })
  await page.waitForTimeout(500)
  expect(app.windows()).toHaveLength(1)
  expect(page.url()).toBe('app://rao-desk/index.html')
  await app.close()
})
