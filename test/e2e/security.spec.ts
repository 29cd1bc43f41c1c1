import { WINDOW_RAO } from '../window-rao'
import { expect, test } from './fixtures'

test('window.rao carries exactly the contract’s functions', async ({ app }) => {
  const keys = await app.evaluate(() => Object.keys(window.rao).sort())
  expect(keys).toEqual(WINDOW_RAO)
})

test.describe('Content-Security-Policy', () => {
  test.use({ expectedPageErrors: [/violates the following Content Security Policy/] })

  test('is enforced: inline script does not run', async ({ app, harness }) => {
    const response = await app.request.get(harness.origin)
    expect(response.headers()['content-security-policy']).toContain("script-src 'self'")
    const ran = await app.evaluate(() => {
      const script = document.createElement('script')
      script.textContent = 'window.__inlineRan = true'
      document.head.append(script)
      return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true
    })
    expect(ran).toBe(false)
  })
})

test('the harness answers only its own page: no token, no service', async ({ harness, playwright }) => {
  const stranger = await playwright.request.newContext()
  const response = await stranger.post(`${harness.origin}/__ipc/getSettings`, { data: {} })
  expect(await response.json()).toMatchObject({ ok: false, error: { code: 'untrusted_sender' } })
  await stranger.dispose()
})

test('events from main reach the page', async ({ app }) => {
  const received = app.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const stop = window.rao.onSettingsChanged((settings) => {
          stop()
          resolve(settings.environment)
        })
      }),
  )
  await app.evaluate(() => window.rao.saveSettings({ environment: 'prod' }))
  expect(await received).toBe('prod')
})

test('malformed input from the page gets the typed validation error', async ({ app }) => {
  const result = await app.evaluate(() => window.rao.saveSettings({ environment: 'moon' as never }))
  expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
})
