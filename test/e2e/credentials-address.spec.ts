import { startSimulator } from '../simulator/server'
import { expect, test } from './fixtures'
import { tabTo } from './keyboard'

// The Optimizer address changed to a second simulator, which knows the officer too (so anything sent
// there would be taken) and counts the requests carrying the password or the PIN: none may reach it
// until the officer has entered them again for it. From the keyboard, in both languages.
const OFFICER = { username: '9001844', password: 'Moved"Desk\\Pass ñandú+/=44', pin: '44332211', rao: '1444' }

const TEXT = {
  en: {
    locale: 'en-GB',
    username: 'RAO username',
    password: 'Password',
    pin: 'PIN',
    queue: 'Video ID queue',
    settings: 'Settings',
    address: 'Optimizer address',
    saved: 'Settings saved.',
    check: 'Check connection',
    connected: 'Connected to OneShot Optimizer 1.5.0-sim.',
    elsewhere: 'checked with another Optimizer address',
    enterAgain: 'Enter them again',
    formTitle: 'Enter your password and PIN for this Optimizer',
    verify: 'Verify with the Optimizer',
    nothingSent: 'so nothing was sent',
    useHere: 'Use them with this Optimizer',
    accepted: 'Saved. The Optimizer accepted the credentials.',
    verified: 'The Optimizer accepted the credentials.',
  },
  es: {
    locale: 'es-ES',
    username: 'Usuario de RAO',
    password: 'Contraseña',
    pin: 'PIN',
    queue: 'Cola de Video ID',
    settings: 'Ajustes',
    address: 'Dirección del Optimizer',
    saved: 'Ajustes guardados.',
    check: 'Comprobar conexión',
    connected: 'Conectado a OneShot Optimizer 1.5.0-sim.',
    elsewhere: 'se comprobaron con otra dirección del Optimizer',
    enterAgain: 'Introducirlas de nuevo',
    formTitle: 'Introduzca su contraseña y su PIN para este Optimizer',
    verify: 'Verificar con el Optimizer',
    nothingSent: 'así que no se ha enviado nada',
    useHere: 'Usarlas con este Optimizer',
    accepted: 'Guardado. El Optimizer aceptó las credenciales.',
    verified: 'El Optimizer ha aceptado las credenciales.',
  },
}

test.use({ simulatorRaos: [OFFICER] })

for (const [language, text] of Object.entries(TEXT)) {
  test.describe(`in ${language === 'en' ? 'English' : 'Spanish'}`, () => {
    test.use({ locale: text.locale })

    test('no credential reaches a second Optimizer until they are entered again for it', async ({
      app,
      harness,
    }) => {
      const press = async (name: string) => {
        await tabTo(app, app.getByRole('button', { name, exact: true }).first())
        await app.keyboard.press('Enter')
      }
      await tabTo(app, app.getByLabel(text.username))
      await app.keyboard.type(OFFICER.username)
      for (const value of [OFFICER.password, OFFICER.pin, OFFICER.rao]) {
        await app.keyboard.press('Tab')
        await app.keyboard.type(value)
      }
      await app.keyboard.press('Enter')
      await expect(app.getByRole('heading', { name: text.queue })).toBeVisible()

      const second = await startSimulator({ raos: [OFFICER] })
      const carried = () => second.requestsCarrying(OFFICER.password, OFFICER.pin)
      try {
        await press(text.settings)
        await tabTo(app, app.getByLabel(text.address))
        await app.keyboard.press('Control+a')
        await app.keyboard.type(second.url)
        await app.keyboard.press('Control+s')
        await expect(app.getByText(text.saved)).toBeVisible()
        await press(text.check)
        await expect(app.getByText(text.connected)).toBeVisible()

        // Said on every page, with the way forward.
        await expect(app.getByRole('status').filter({ hasText: text.elsewhere })).toBeVisible()
        await press(text.enterAgain)
        await expect(app.getByRole('form', { name: text.formTitle })).toContainText(second.url)
        await press(text.verify)
        await expect(app.getByRole('alert').filter({ hasText: text.nothingSent })).toBeVisible()
        // Nor does a decision carry them there: it reads its authority for the address first.
        await expect(
          harness.credentials.authority({ optimizer: second.url, environment: 'sandbox' }),
        ).rejects.toMatchObject({
          code: 'credentials_other_optimizer',
        })
        expect(second.requests.length).toBeGreaterThan(1)
        expect(carried()).toBe(0)
        expect(second.state.tokens.size).toBe(0)

        // Entered again for this address: now, and only now, they reach it.
        await tabTo(app, app.getByLabel(text.password, { exact: true }))
        await app.keyboard.type(OFFICER.password)
        await app.keyboard.press('Tab')
        await app.keyboard.type(OFFICER.pin)
        await app.keyboard.press('Enter')
        await expect(app.getByText(text.accepted)).toBeVisible()
        await expect(app.getByRole('form', { name: text.formTitle })).toHaveCount(0)
        await expect(app.getByRole('status').filter({ hasText: text.elsewhere })).toHaveCount(0)
        expect(carried()).toBeGreaterThan(0)
        await press(text.verify)
        await expect(app.getByText(text.verified, { exact: true })).toBeVisible()
        expect(await app.content()).not.toContain(OFFICER.password)
      } finally {
        await second.close()
      }
    })
  })
}
