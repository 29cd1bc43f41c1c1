// @vitest-environment jsdom
import { act, cleanup, render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { App } from '../../renderer/src/App'
import { initI18n } from '../../renderer/src/i18n'
import { createStores, StoresProvider } from '../../renderer/src/stores/context'
import type { CredentialStatus, NewCredentials } from '../../shared/credentials'
import type { IpcResult } from '../../shared/errors'
import { defaultSettings } from '../../shared/settings'
import { fakeApi } from './fake-api'

beforeAll(() => initI18n('en'))
afterEach(cleanup)

const ok = <T,>(value: T): Promise<IpcResult<T>> => Promise.resolve({ ok: true, value })
/** The texts an input's aria-describedby points at, in order: what a screen reader says after its label. */
const descriptionOf = (label: string) =>
  (screen.getByLabelText(label).getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' ')
    .trim()

const none: CredentialStatus = { environment: 'sandbox', state: 'none' }

function renderWith(answers: Parameters<typeof fakeApi>[0]) {
  const api = fakeApi({ getSettings: () => ok(defaultSettings), ...answers })
  render(
    <StoresProvider stores={createStores(api)}>
      <App />
    </StoresProvider>,
  )
  return api
}

describe('credential screens', () => {
  it('checks the set-up form with the contract’s own rules and sends nothing invalid', async () => {
    const api = renderWith({ getCredentialStatus: () => ok(none) })
    await userEvent.click(await screen.findByRole('button', { name: 'Save credentials' }))
    expect(descriptionOf('RAO username')).toBe('Required.')
    await userEvent.type(screen.getByLabelText('PIN'), '12 34')
    await userEvent.type(screen.getByLabelText('RAO id'), 'R-14')
    await userEvent.click(screen.getByRole('button', { name: 'Save credentials' }))
    expect(descriptionOf('PIN')).toBe('Digits only, 4 to 16 of them.')
    expect(descriptionOf('RAO id')).toMatch(/^Digits only, 1 to 10 of them\./)
    // The focus goes to the first field in error; its error state is set for assistive technology.
    await waitFor(() => expect(screen.getByLabelText('RAO username')).toHaveFocus())
    expect(screen.getByLabelText('RAO username')).toHaveAttribute('aria-invalid', 'true')
    expect(api.calls).not.toContain('setUpCredentials')
  })

  it('takes what is pasted whole: one too long is refused with its limit by the field, never cut and sent', async () => {
    const api = renderWith({
      getCredentialStatus: () => ok(none),
      setUpCredentials: () => new Promise(() => undefined),
    })
    // One over each limit the contract sets (64, 256, 16 digits, 10 digits), a quote and a backslash in the secret.
    const password = `a"b\\${'x'.repeat(253)}`
    expect(password).toHaveLength(257)
    const paste = async (label: string, text: string) => {
      await userEvent.clear(screen.getByLabelText(label))
      await userEvent.click(screen.getByLabelText(label))
      await userEvent.paste(text)
    }
    await screen.findByRole('heading', { name: 'Set up your RAO credentials' })
    await paste('RAO username', '9'.repeat(65))
    await paste('Password', password)
    await paste('PIN', '12345678901234567')
    await paste('RAO id', '12345678901')
    await userEvent.click(screen.getByRole('button', { name: 'Save credentials' }))
    expect(screen.getByLabelText('RAO username')).toHaveValue('9'.repeat(65))
    expect(screen.getByLabelText('Password')).toHaveValue(password)
    expect(screen.getByLabelText('PIN')).toHaveValue('12345678901234567')
    expect(screen.getByLabelText('RAO id')).toHaveValue('12345678901')
    expect(descriptionOf('RAO username')).toBe('At most 64 characters.')
    expect(descriptionOf('Password')).toBe('At most 256 characters.')
    expect(descriptionOf('PIN')).toBe('Digits only, 4 to 16 of them.')
    expect(descriptionOf('RAO id')).toMatch(/^Digits only, 1 to 10 of them\./)
    expect(api.calls).not.toContain('setUpCredentials')

    // At the limits, with spaces around the PIN as a paste may bring them: the schema trims those, so
    // they count nothing; all of it goes to main, which trims as the schema says.
    await paste('RAO username', '9'.repeat(64))
    await paste('Password', password.slice(0, 256))
    await paste('PIN', ' 1234567890123456')
    await paste('RAO id', '1234567890')
    await userEvent.click(screen.getByRole('button', { name: 'Save credentials' }))
    expect(api.inputs[api.calls.indexOf('setUpCredentials')]).toEqual({
      username: '9'.repeat(64),
      password: password.slice(0, 256),
      pin: ' 1234567890123456',
      rao: '1234567890',
    } satisfies NewCredentials)
  })

  it('takes a new PIN pasted with a space before it whole, at its longest', async () => {
    const api = renderWith({
      getCredentialStatus: () =>
        ok({ environment: 'sandbox', state: 'ready', username: '9001800', rao: '1400', mode: 'credentials' }),
      updateCredentials: () => new Promise(() => undefined),
    })
    await userEvent.click(await screen.findByRole('button', { name: 'My credentials' }))
    await userEvent.click(await screen.findByLabelText('New PIN'))
    await userEvent.paste(' 1234567890123456')
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }))
    expect(api.inputs[api.calls.indexOf('updateCredentials')]).toEqual({ pin: ' 1234567890123456' })
  })

  it('clears the password and PIN from the page as soon as they are submitted', async () => {
    let release: (result: IpcResult<unknown>) => void = () => undefined
    const api = renderWith({
      getCredentialStatus: () => ok(none),
      setUpCredentials: () => new Promise((resolve) => (release = resolve)),
    })
    await userEvent.type(await screen.findByLabelText('RAO username'), '9001800')
    await userEvent.type(screen.getByLabelText('Password'), 'secret pass')
    await userEvent.type(screen.getByLabelText('PIN'), '246810')
    await userEvent.type(screen.getByLabelText('RAO id'), '1400')
    await userEvent.click(screen.getByRole('button', { name: 'Save credentials' }))
    expect(api.inputs[api.calls.indexOf('setUpCredentials')]).toEqual({
      username: '9001800',
      password: 'secret pass',
      pin: '246810',
      rao: '1400',
    } satisfies NewCredentials)
    expect(screen.getByLabelText('Password')).toHaveValue('')
    expect(screen.getByLabelText('PIN')).toHaveValue('')
    expect(screen.getByRole('button', { name: 'Saving…' })).toBeDisabled()
    await act(async () =>
      release({
        ok: true,
        value: {
          status: {
            environment: 'sandbox',
            state: 'ready',
            username: '9001800',
            rao: '1400',
            mode: 'credentials',
          },
          check: 'verified',
        },
      }),
    )
    expect(await screen.findByRole('heading', { name: 'Video ID queue' })).toBeInTheDocument()
  })

  it('explains a keychain problem, offers no other place to store, and retries', async () => {
    let attempts = 0
    renderWith({
      getCredentialStatus: () =>
        ++attempts === 1
          ? ok({
              environment: 'sandbox',
              state: 'keychain_problem',
              problem: { code: 'keychain_unavailable', message: 'x', detail: 'Could not connect' },
            } satisfies CredentialStatus)
          : ok(none),
    })
    expect(await screen.findByRole('heading', { name: 'The keychain cannot be used' })).toBeInTheDocument()
    expect(screen.getByRole('alert')).toHaveTextContent('gnome-keyring')
    expect(screen.getByText(/never in a file/)).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }))
    expect(await screen.findByRole('heading', { name: 'Set up your RAO credentials' })).toBeInTheDocument()
  })

  it('says where to unlock a locked keychain, on each system', async () => {
    renderWith({
      getCredentialStatus: () =>
        ok({
          environment: 'sandbox',
          state: 'keychain_problem',
          problem: {
            code: 'keychain_locked',
            message: 'x',
            detail: 'Cannot create an item in a locked collection',
          },
        } satisfies CredentialStatus),
    })
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('Passwords and Keys (Seahorse)')
    expect(alert).toHaveTextContent('Keychain Access')
    expect(alert).toHaveTextContent('Windows')
  })

  it('says why when the saved credentials were lost, and keeps who they were', async () => {
    renderWith({
      getCredentialStatus: () =>
        ok({
          environment: 'prod',
          state: 'lost',
          username: '9001800',
          rao: '1400',
          problem: { code: 'credentials_lost', message: 'x' },
        } satisfies CredentialStatus),
    })
    const lost = await screen.findByText(/no longer in the system keychain/)
    expect(lost.closest('[role="alert"]')).toBeInTheDocument()
    expect(screen.getByLabelText('RAO username')).toHaveValue('9001800')
    expect(screen.getByText('For the Production environment.')).toBeInTheDocument()
  })

  it('credentials checked with another address: says so everywhere, sends nothing, and takes the password and PIN again', async () => {
    const bound = 'https://old-optimizer.example.org/oneshot/api/v1'
    const current = 'https://new-optimizer.example.org/oneshot/api/v1'
    const officer = { environment: 'sandbox', username: '9001800', rao: '1400', mode: 'token' } as const
    let status: CredentialStatus = {
      ...officer,
      state: 'other_optimizer',
      optimizer: bound,
      billingUsername: 'billing@ra.example',
      problem: { code: 'credentials_other_optimizer', message: 'x' },
    }
    const api = renderWith({
      getSettings: () => ok({ ...defaultSettings, optimizerUrl: current }),
      getCredentialStatus: () => ok(status),
      verifyCredentials: () =>
        Promise.resolve({
          ok: false,
          error: { code: 'credentials_other_optimizer', message: 'x' },
        } satisfies IpcResult<never>),
      setUpCredentials: () => {
        status = { ...officer, state: 'ready', mode: 'credentials', optimizer: current }
        return ok({ status, check: 'verified' })
      },
    })
    // The officer's work stays open, with the reason and the way forward on every page.
    expect(await screen.findByRole('heading', { name: 'Video ID queue' })).toBeInTheDocument()
    expect(screen.getByText(/checked with another Optimizer address/)).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Enter them again' }))

    expect(await screen.findByRole('heading', { name: 'My credentials' })).toBeInTheDocument()
    const form = screen.getByRole('form', { name: 'Enter your password and PIN for this Optimizer' })
    expect(form).toHaveTextContent(`checked with ${bound}`)
    expect(form).toHaveTextContent(`now ${current}`)
    // Nothing that would send them: no change of password, no token.
    expect(screen.queryByRole('heading', { name: 'Change password or PIN' })).toBeNull()
    expect(screen.queryByRole('button', { name: 'Show what the token holds' })).toBeNull()
    await userEvent.click(screen.getByRole('button', { name: 'Verify with the Optimizer' }))
    expect(await screen.findByText(/so nothing was sent/)).toBeInTheDocument()

    await userEvent.type(screen.getByLabelText('Password'), 'secret "pass\\ñ')
    await userEvent.type(screen.getByLabelText('PIN'), '12ab')
    await userEvent.click(screen.getByRole('button', { name: 'Use them with this Optimizer' }))
    expect(descriptionOf('PIN')).toBe('Digits only, 4 to 16 of them.')
    expect(api.calls).not.toContain('setUpCredentials')
    await userEvent.clear(screen.getByLabelText('PIN'))
    await userEvent.type(screen.getByLabelText('PIN'), '246810')
    await userEvent.click(screen.getByRole('button', { name: 'Use them with this Optimizer' }))
    // The username and RAO id are the ones kept; a blank billing password leaves billing out.
    expect(api.inputs[api.calls.indexOf('setUpCredentials')]).toEqual({
      username: '9001800',
      rao: '1400',
      password: 'secret "pass\\ñ',
      pin: '246810',
    } satisfies NewCredentials)
    expect(await screen.findByText('Saved. The Optimizer accepted the credentials.')).toBeInTheDocument()
    expect(screen.queryByRole('form', { name: 'Enter your password and PIN for this Optimizer' })).toBeNull()
    expect(screen.getByRole('heading', { name: 'Change password or PIN' })).toBeInTheDocument()
    expect(screen.queryByText(/checked with another Optimizer address/)).toBeNull()
  })

  it('says plainly when the Optimizer holds a token for these credentials that another system made', async () => {
    renderWith({
      getCredentialStatus: () => ok(none),
      setUpCredentials: () =>
        ok({
          status: {
            environment: 'sandbox',
            state: 'ready',
            username: '9001800',
            rao: '1400',
            mode: 'credentials',
          },
          check: 'token_elsewhere',
        }),
    })
    await userEvent.type(await screen.findByLabelText('RAO username'), '9001800')
    await userEvent.type(screen.getByLabelText('Password'), 'secret')
    await userEvent.type(screen.getByLabelText('PIN'), '246810')
    await userEvent.type(screen.getByLabelText('RAO id'), '1400')
    await userEvent.click(screen.getByRole('button', { name: 'Save credentials' }))
    expect(await screen.findByRole('heading', { name: 'Video ID queue' })).toBeInTheDocument()
    // In a live region, so a screen reader says it too.
    const note = screen.getByText(/a token for these credentials that RAO Desk did not create/)
    expect(note.closest('[role="status"]')).toBeInTheDocument()
  })
})
