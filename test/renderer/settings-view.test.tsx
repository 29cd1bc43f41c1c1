// @vitest-environment jsdom
import { act, cleanup, render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { App } from '../../renderer/src/App'
import { initI18n } from '../../renderer/src/i18n'
import { createStores, StoresProvider } from '../../renderer/src/stores/context'
import type { IpcResult } from '../../shared/errors'
import { defaultSettings } from '../../shared/settings'
import { fakeApi } from './fake-api'

beforeAll(() => initI18n('en'))
afterEach(cleanup)

const ok = <T,>(value: T): Promise<IpcResult<T>> => Promise.resolve({ ok: true, value })
const ready = {
  environment: 'sandbox',
  state: 'ready',
  username: '9001800',
  rao: '1400',
  mode: 'credentials',
} as const

/** Renders the app and opens its Settings page. */
async function renderApp(api: ReturnType<typeof fakeApi>) {
  render(
    <StoresProvider stores={createStores(api)}>
      <App />
    </StoresProvider>,
  )
  await userEvent.click(screen.getByRole('button', { name: 'Settings' }))
}

describe('Settings screen states', () => {
  it('shows loading until the settings arrive', async () => {
    let release: (result: IpcResult<unknown>) => void = () => undefined
    const api = fakeApi({
      getCredentialStatus: () => ok(ready),
      getSettings: () => new Promise((resolve) => (release = resolve)),
    })
    await renderApp(api)
    expect(within(screen.getByRole('main')).getByRole('status')).toHaveTextContent('Loading…')
    await act(async () => release({ ok: true, value: defaultSettings }))
    expect(screen.getByLabelText('Optimizer address')).toHaveValue(defaultSettings.optimizerUrl)
  })

  it('explains a failed load and retries on request', async () => {
    let attempts = 0
    const api = fakeApi({
      getCredentialStatus: () => ok(ready),
      getSettings: () =>
        ++attempts === 1
          ? Promise.resolve({ ok: false, error: { code: 'internal', message: 'disk', detail: 'EACCES' } })
          : ok(defaultSettings),
    })
    await renderApp(api)
    expect(await screen.findByRole('alert')).toHaveTextContent('The settings could not be read.')
    // The plain sentence first; the system's own words behind the disclosure.
    expect(
      screen.getByText('Something went wrong in RAO Desk.').closest('[role="alert"]'),
    ).toBeInTheDocument()
    expect(screen.getByRole('group')).toHaveTextContent('DetailsEACCES')
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }))
    expect(await screen.findByLabelText('Optimizer address')).toBeInTheDocument()
    expect(attempts).toBe(2)
  })

  it('does not send an unacceptable address to main', async () => {
    const api = fakeApi({
      getCredentialStatus: () => ok(ready),
      getSettings: () => ok(defaultSettings),
      saveSettings: () => ok(defaultSettings),
    })
    await renderApp(api)
    const address = await screen.findByLabelText('Optimizer address')
    await userEvent.clear(address)
    await userEvent.type(address, 'not a url')
    await userEvent.click(screen.getByRole('button', { name: 'Save' }))
    expect(screen.getByText(/Enter a full https:\/\/ address/)).toBeInTheDocument()
    expect(api.calls).not.toContain('saveSettings')
  })

  it('shows progress while the connection is being checked', async () => {
    let release: (result: IpcResult<unknown>) => void = () => undefined
    const api = fakeApi({
      getCredentialStatus: () => ok(ready),
      getSettings: () => ok(defaultSettings),
      checkConnection: () => new Promise((resolve) => (release = resolve)),
    })
    await renderApp(api)
    await userEvent.click(await screen.findByRole('button', { name: 'Check connection' }))
    expect(screen.getByText('Checking the connection…')).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Check connection' })).toBeDisabled()
    // The region that will announce a failure is in the page already, empty: its text changes.
    const connection = screen.getByRole('region', { name: 'Connection' })
    const announcer = within(connection).getByRole('alert')
    expect(announcer).toBeEmptyDOMElement()
    await act(async () => release({ ok: false, error: { code: 'timeout', message: 'slow' } }))
    expect(within(connection).getByRole('alert')).toBe(announcer)
    expect(announcer).toHaveTextContent('took too long')
    expect(screen.getByText(/took too long/).closest('[role="alert"]')).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Check connection' })).toBeEnabled()
  })

  it('forgets the old address’s failed check once a new address is saved, whichever answer comes first', async () => {
    const moved = { ...defaultSettings, optimizerUrl: 'https://optimizer.example.org/oneshot/api/v1' }
    const api = fakeApi({
      getCredentialStatus: () => ok(ready),
      getSettings: () => ok(defaultSettings),
      checkConnection: () => Promise.resolve({ ok: false, error: { code: 'unreachable', message: 'down' } }),
      // Main announces the change before the save returns, as it does.
      saveSettings: () => {
        api.emit('settingsChanged', moved)
        return ok(moved)
      },
    })
    await renderApp(api)
    await userEvent.click(await screen.findByRole('button', { name: 'Check connection' }))
    expect(await screen.findByText('The connection check failed.')).toBeInTheDocument()
    const address = screen.getByLabelText('Optimizer address')
    await userEvent.clear(address)
    await userEvent.type(address, moved.optimizerUrl)
    await userEvent.click(screen.getByRole('button', { name: 'Save' }))
    expect(await screen.findByText(`Checks the saved address: ${moved.optimizerUrl}`)).toBeInTheDocument()
    expect(screen.queryByText('The connection check failed.')).not.toBeInTheDocument()
  })
})
