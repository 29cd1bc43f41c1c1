import { expect, test } from './fixtures'

test('saves the Optimizer address, checks the connection, and survives the Optimizer going away', async ({
  app,
  simulator,
}) => {
  await app.getByRole('navigation').getByRole('button', { name: 'Settings' }).click()
  await expect(app.getByRole('heading', { name: 'Settings' })).toBeVisible()
  const address = app.getByLabel('Optimizer address')
  await address.fill('https://optimizer-developers.uanataca.com/oneshot/api/v1/')
  await app.getByRole('button', { name: 'Save', exact: true }).click()
  await expect(
    app.getByText('Checks the saved address: https://optimizer-developers.uanataca.com/oneshot/api/v1'),
  ).toBeVisible()

  await address.fill(simulator.url)
  await app.getByRole('button', { name: 'Save', exact: true }).click()
  await expect(app.getByText('Settings saved.')).toBeVisible()
  await expect(app.getByText(`Checks the saved address: ${simulator.url}`)).toBeVisible()

  await app.getByRole('button', { name: 'Check connection' }).click()
  await expect(app.getByText('Connected to OneShot Optimizer 1.5.0-sim.')).toBeVisible()

  await simulator.close()
  await app.getByRole('button', { name: 'Check connection' }).click()
  const alert = app.getByRole('alert').filter({ hasText: 'The connection check failed.' })
  await expect(alert).toContainText('The connection check failed.')
  await expect(alert).toContainText('Cannot reach the Optimizer')
  await expect(app.getByText('Connected to')).toHaveCount(0)

  // Still usable: the officer can change and save settings while the Optimizer is away.
  await app.getByLabel('Production').check()
  await app.getByRole('button', { name: 'Save', exact: true }).click()
  await expect(app.getByText('Settings saved.')).toBeVisible()
  await app.reload()
  await app.getByRole('navigation').getByRole('button', { name: 'Settings' }).click()
  await expect(app.getByLabel('Production')).toBeChecked()
  await expect(app.getByLabel('Optimizer address')).toHaveValue(simulator.url)
})

test('refuses an unsafe address with a clear message and keeps the saved one', async ({ app, simulator }) => {
  await app.getByRole('navigation').getByRole('button', { name: 'Settings' }).click()
  const address = app.getByLabel('Optimizer address')
  await address.fill('http://optimizer.intranet/oneshot/api/v1')
  await app.getByRole('button', { name: 'Save', exact: true }).click()
  await expect(app.getByText('Enter a full https:// address')).toBeVisible()
  await expect(address).toHaveAttribute('aria-invalid', 'true')
  await app.reload()
  await app.getByRole('navigation').getByRole('button', { name: 'Settings' }).click()
  await expect(app.getByLabel('Optimizer address')).toHaveValue(simulator.url)
})

test('warns of an address without the API path, and of the sandbox chosen for production', async ({
  app,
  simulator,
}) => {
  await app.getByRole('navigation').getByRole('button', { name: 'Settings' }).click()
  const address = app.getByLabel('Optimizer address')
  await address.fill(simulator.url.replace('/oneshot/api/v1', ''))
  await expect(app.getByText('This address lacks the API’s path')).toBeVisible()
  await app.getByRole('button', { name: 'Add /oneshot/api/v1' }).click()
  await expect(address).toHaveValue(simulator.url)
  await expect(app.getByText('This address lacks the API’s path')).toHaveCount(0)
  await app.getByRole('button', { name: 'Use the public sandbox' }).click()
  await app.getByLabel('Production').check()
  await expect(
    app.getByText('This is Uanataca’s public sandbox, but the environment chosen is Production.'),
  ).toBeVisible()
})

test('works from the keyboard: Ctrl+S saves', async ({ app, simulator }) => {
  await app.getByRole('navigation').getByRole('button', { name: 'Settings' }).click()
  await app.getByLabel('Optimizer address').fill(simulator.url)
  await app.keyboard.press('Control+s')
  await expect(app.getByText('Settings saved.')).toBeVisible()
  await app.keyboard.press('Tab')
  await expect(app.locator(':focus')).toBeVisible()
})

test.describe('in Spanish', () => {
  test.use({ locale: 'es-ES' })

  test('follows the system language, and switches when the officer chooses', async ({ app }) => {
    await expect(app.getByRole('heading', { name: 'Configure sus credenciales de RAO' })).toBeVisible()
    await app.getByRole('navigation').getByRole('button', { name: 'Ajustes' }).click()
    await expect(app.getByRole('heading', { name: 'Ajustes' })).toBeVisible()
    await expect(app.locator('html')).toHaveAttribute('lang', 'es')
    await app.getByLabel('Idioma', { exact: true }).selectOption('en')
    await app.getByRole('button', { name: 'Guardar', exact: true }).click()
    await expect(app.getByRole('heading', { name: 'Settings' })).toBeVisible()
    await expect(app.locator('html')).toHaveAttribute('lang', 'en')
  })
})
