import type { Page } from '@playwright/test'
import { DEFAULT_RAO } from '../simulator/seed'
import { expect, test } from './fixtures'
import { tabTo } from './keyboard'

// A new officer's walk through the credentials and settings screens, from the keyboard, in both
// languages: the rough edges found in such a walk, each checked where the officer meets it.
const TEXT = {
  en: {
    locale: 'en-GB',
    username: 'RAO username',
    password: 'Password',
    pin: 'PIN',
    rao: 'RAO id',
    pinRule: 'Digits only, 4 to 16 of them.',
    refused: 'The Optimizer refused the RAO credentials.',
    details: 'Details',
    queue: 'Video ID queue',
    settings: 'Settings',
    credentials: 'My credentials',
    address: 'Optimizer address',
    noPath: 'This address lacks the API’s path',
    addPath: 'Add /oneshot/api/v1',
    check: 'Check connection',
    cancel: 'Cancel the check',
    cancelled: 'Check cancelled.',
    failed: 'The connection check failed.',
    useToken: 'Use an Optimizer token',
    forget: 'Forget credentials…',
    forgetYes: 'Forget',
    keptToRevoke: 'RAO Desk keeps only its id',
    billingPassword: 'New billing password',
  },
  es: {
    locale: 'es-ES',
    username: 'Usuario de RAO',
    password: 'Contraseña',
    pin: 'PIN',
    rao: 'Id de RAO',
    pinRule: 'Solo cifras, de 4 a 16.',
    refused: 'El Optimizer ha rechazado las credenciales del RAO.',
    details: 'Detalles',
    queue: 'Cola de Video ID',
    settings: 'Ajustes',
    credentials: 'Mis credenciales',
    address: 'Dirección del Optimizer',
    noPath: 'A esta dirección le falta la ruta de la API',
    addPath: 'Añadir /oneshot/api/v1',
    check: 'Comprobar conexión',
    cancel: 'Cancelar la comprobación',
    cancelled: 'Comprobación cancelada.',
    failed: 'La comprobación de la conexión ha fallado.',
    useToken: 'Usar un token del Optimizer',
    forget: 'Olvidar credenciales…',
    forgetYes: 'Olvidar',
    keptToRevoke: 'RAO Desk conserva solo su id',
    billingPassword: 'Nueva contraseña de facturación',
  },
} as const

async function press(page: Page, name: string) {
  await tabTo(page, page.getByRole('button', { name, exact: true }).first())
  await page.keyboard.press('Enter')
}

for (const [language, text] of Object.entries(TEXT)) {
  test.describe(`a new officer’s walk, in ${language === 'en' ? 'English' : 'Spanish'}`, () => {
    test.use({ locale: text.locale, viewport: { width: 900, height: 800 } })

    test('set-up, settings, connection and credentials, from the keyboard', async ({ app, simulator }) => {
      // 11. A bad PIN: the message says the rule, the focus goes to the field, the field is marked.
      await tabTo(app, app.getByLabel(text.username))
      await app.keyboard.type(DEFAULT_RAO.username)
      await app.keyboard.press('Tab')
      await app.keyboard.type(DEFAULT_RAO.password)
      await app.keyboard.press('Tab')
      await app.keyboard.type('12ab')
      await app.keyboard.press('Tab')
      await app.keyboard.type(DEFAULT_RAO.rao)
      await app.keyboard.press('Enter')
      const pin = app.getByLabel(text.pin, { exact: true })
      await expect(pin).toBeFocused()
      await expect(pin).toHaveAttribute('aria-invalid', 'true')
      await expect(app.getByText(text.pinRule)).toBeVisible()

      // 14. A wrong PIN is checked with the Optimizer as it is saved, refused, and not saved;
      // 10. the failure is a plain sentence, the technical words behind Details.
      await app.keyboard.press('Control+a')
      await app.keyboard.type('99999999')
      await app.keyboard.press('Enter')
      await expect(app.getByRole('alert').filter({ hasText: text.refused })).toBeVisible()
      await expect(app.getByText(/HTTP 404/)).toBeHidden()
      await tabTo(app, app.getByText(text.details, { exact: true }))
      await app.keyboard.press('Enter')
      await expect(app.getByText(/HTTP 404/)).toBeVisible()
      // Password and PIN left the page when they were sent: typed again, right this time.
      await tabTo(app, app.getByLabel(text.password, { exact: true }))
      await app.keyboard.type(DEFAULT_RAO.password)
      await app.keyboard.press('Tab')
      await app.keyboard.type(DEFAULT_RAO.pin)
      await app.keyboard.press('Enter')
      await expect(app.getByRole('heading', { name: text.queue })).toBeFocused()

      // 15. At 900 px nothing overflows sideways; the skip link, focused, covers no link.
      expect(await app.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
      await app.locator('.skip-link').focus()
      const skip = await app.locator('.skip-link').boundingBox()
      const firstLink = await app.getByRole('navigation').getByRole('button').first().boundingBox()
      expect(skip && firstLink && skip.y + skip.height <= firstLink.y).toBe(true)

      // 12. An address without the API's path is warned about, and the path added on request.
      await press(app, text.settings)
      const address = app.getByLabel(text.address)
      await tabTo(app, address)
      await app.keyboard.press('Control+a')
      await app.keyboard.type(simulator.url.replace('/oneshot/api/v1', ''))
      await expect(app.getByText(text.noPath)).toBeVisible()
      await press(app, text.addPath)
      await expect(address).toHaveValue(simulator.url)

      // 13. A stalled Optimizer: the check can be cancelled.
      simulator.inject({ route: 'GET /hello', fault: { kind: 'latency', ms: 20_000 } })
      await press(app, text.check)
      await press(app, text.cancel)
      await expect(app.getByText(text.cancelled)).toBeVisible()

      // 8. A failed check of one address is forgotten once another address is saved.
      await tabTo(app, address)
      await app.keyboard.press('Control+a')
      await app.keyboard.type('http://127.0.0.1:9/oneshot/api/v1')
      await app.keyboard.press('Control+s')
      await press(app, text.check)
      await expect(app.getByText(text.failed)).toBeVisible()
      await tabTo(app, address)
      await app.keyboard.press('Control+a')
      await app.keyboard.type(simulator.url)
      await app.keyboard.press('Control+s')
      await expect(app.getByText(text.failed)).toHaveCount(0)

      // 15. No billing password to change where no billing account was set.
      await press(app, text.credentials)
      await expect(app.getByLabel(text.billingPassword)).toHaveCount(0)

      // 9. Forgetting in token mode while the Optimizer is away says the token's id is kept to revoke.
      await press(app, text.useToken)
      await expect(app.getByRole('button', { name: text.useToken })).toHaveCount(0)
      await simulator.close()
      await press(app, text.forget)
      await press(app, text.forgetYes)
      await expect(app.getByText(text.keptToRevoke)).toBeVisible()
    })
  })
}

test.describe('a long (valid) username', () => {
  const LONG = { ...DEFAULT_RAO, username: 'officer.with.a.rather.long.username@registration-authority.es' }
  test.use({ simulatorRaos: [LONG] })

  test('fits the top bar and the summary card at 1280 and at 900 px', async ({ app }) => {
    await app.getByLabel('RAO username').fill(LONG.username)
    await app.getByLabel('Password', { exact: true }).fill(LONG.password)
    await app.getByLabel('PIN').fill(LONG.pin)
    await app.getByLabel('RAO id').fill(LONG.rao)
    await app.getByRole('button', { name: 'Save credentials' }).click()
    await app.getByRole('navigation').getByRole('button', { name: 'My credentials' }).click()
    for (const width of [1280, 900]) {
      await app.setViewportSize({ width, height: 800 })
      const fits = await app.evaluate(() => {
        const inside = (selector: string) => {
          const element = document.querySelector(selector) as HTMLElement
          return element.scrollWidth <= element.clientWidth
        }
        return {
          page: document.documentElement.scrollWidth <= window.innerWidth,
          topBar: inside('.topbar'),
          summary: inside('.summary'),
        }
      })
      expect(fits, `at ${width} px`).toEqual({ page: true, topBar: true, summary: true })
    }
    // The whole name is still there, in the card and as the top bar's tooltip.
    await expect(app.locator('.summary')).toContainText(LONG.username)
    await expect(app.locator('.who')).toHaveAttribute('title', LONG.username)
  })
})
