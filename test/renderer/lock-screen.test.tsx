// @vitest-environment jsdom
import { act, cleanup, render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { App } from '../../renderer/src/App'
import { initI18n } from '../../renderer/src/i18n'
import { createStores, StoresProvider } from '../../renderer/src/stores/context'
import type { IpcResult } from '../../shared/errors'
import type { LockState } from '../../shared/lock'
import { defaultSettings } from '../../shared/settings'
import { fakeApi } from './fake-api'

beforeAll(() => initI18n('en'))
afterEach(cleanup)

const ok = <T,>(value: T): Promise<IpcResult<T>> => Promise.resolve({ ok: true, value })
const locked: LockState = { locked: true, officer: '9001800', unlockWith: 'pin', touchId: false }
const open: LockState = { locked: false, officer: '9001800', unlockWith: 'pin', touchId: false }
const ready = {
  environment: 'sandbox',
  state: 'ready',
  username: '9001800',
  rao: '1400',
  mode: 'credentials',
} as const

function renderWith(answers: Parameters<typeof fakeApi>[0]) {
  const api = fakeApi({
    getSettings: () => ok(defaultSettings),
    getCredentialStatus: () => ok(ready),
    ...answers,
  })
  render(
    <StoresProvider stores={createStores(api)}>
      <App />
    </StoresProvider>,
  )
  return api
}

describe('the lock screen', () => {
  it('shows a desk locked at start with the name, the RAO user and the PIN only, and asks for none of the work', async () => {
    const api = renderWith({ getLockState: () => ok(locked) })
    expect(await screen.findByRole('heading', { name: 'The desk is locked' })).toBeInTheDocument()
    expect(screen.getByText('RAO Desk')).toBeInTheDocument()
    expect(screen.getByText('RAO user 9001800')).toBeInTheDocument()
    expect(screen.getByLabelText('PIN')).toHaveFocus()
    expect(screen.queryByRole('navigation')).toBeNull()
    await userEvent.type(screen.getByLabelText('PIN'), '1')
    expect([...new Set(api.calls)].sort()).toEqual(['getLockState', 'getSettings'])
  })

  it('says a wrong PIN and empties the field; waits while main says so; opens on the right one and reads the work', async () => {
    const tries: unknown[] = []
    let answer: IpcResult<unknown> = {
      ok: false,
      error: { code: 'wrong_pin', message: 'That is not the PIN of these RAO credentials.' },
    }
    const api = renderWith({
      getLockState: () => ok(locked),
      unlockDesk: () => Promise.resolve(answer),
    })
    const pin = await screen.findByLabelText('PIN')
    await userEvent.type(pin, '1111{Enter}')
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Wrong PIN. Each wrong PIN is written in the journal.',
    )
    expect(pin).toHaveValue('')
    expect(pin).toHaveFocus()

    act(() => api.emit('lockChanged', { ...locked, retryAt: new Date(Date.now() + 5000).toISOString() }))
    expect(screen.getByRole('button', { name: 'Unlock' })).toBeDisabled()
    expect(screen.getByText(/Too many wrong PINs: try again in [4-6] s\./)).toBeInTheDocument()
    act(() => api.emit('lockChanged', locked))

    answer = { ok: true, value: open }
    await userEvent.type(pin, '61803398{Enter}')
    expect(await screen.findByRole('button', { name: /^Lock/ })).toBeInTheDocument()
    for (const [name, input] of api.calls.map((name, index) => [name, api.inputs[index]] as const))
      if (name === 'unlockDesk') tries.push(input)
    expect(tries).toEqual([{ pin: '1111' }, { pin: '61803398' }])
    expect(api.calls).toEqual(expect.arrayContaining(['getCredentialStatus', 'getCaseBook', 'getJournal']))
  })

  it('locks on Ctrl+L and from the top bar once the officer is set up', async () => {
    const api = renderWith({ getLockState: () => ok(open), lockDesk: () => ok(locked) })
    const button = await screen.findByRole('button', { name: 'Lock Ctrl+L' })
    await userEvent.keyboard('{Control>}l{/Control}')
    expect(await screen.findByRole('heading', { name: 'The desk is locked' })).toBeInTheDocument()
    expect(button).not.toBeInTheDocument()
    act(() => api.emit('lockChanged', open))
    await userEvent.click(await screen.findByRole('button', { name: 'Lock Ctrl+L' }))
    expect(await screen.findByRole('heading', { name: 'The desk is locked' })).toBeInTheDocument()
    expect(api.calls.filter((name) => name === 'lockDesk')).toHaveLength(2)
  })

  it('offers the lock in an environment without credentials, where another environment has them', async () => {
    const api = renderWith({
      getLockState: () => ok(open),
      getCredentialStatus: () => ok({ environment: 'prod', state: 'none' } as const),
      lockDesk: () => ok(locked),
    })
    expect(await screen.findByRole('heading', { name: 'Set up your RAO credentials' })).toBeInTheDocument()
    await userEvent.keyboard('{Control>}l{/Control}')
    expect(await screen.findByRole('heading', { name: 'The desk is locked' })).toBeInTheDocument()
    act(() => api.emit('lockChanged', open))
    await userEvent.click(await screen.findByRole('button', { name: 'Lock Ctrl+L' }))
    expect(api.calls.filter((name) => name === 'lockDesk')).toHaveLength(2)
  })

  it('offers no lock where no environment has credentials: nothing would open it', async () => {
    const api = renderWith({
      getLockState: () => ok({ ...open, officer: '', unlockWith: 'set_up' }),
      getCredentialStatus: () => ok({ environment: 'sandbox', state: 'none' } as const),
    })
    expect(await screen.findByRole('heading', { name: 'Set up your RAO credentials' })).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: /^Lock/ })).toBeNull()
    await userEvent.keyboard('{Control>}l{/Control}')
    expect(api.calls).not.toContain('lockDesk')
  })

  it('asks for the RAO password with the PIN after ten wrong tries, and keeps neither', async () => {
    const api = renderWith({
      getLockState: () => ok(locked),
      unlockDesk: () =>
        Promise.resolve({
          ok: false,
          error: { code: 'wrong_password_or_pin', message: 'The RAO password or the PIN is wrong.' },
        }),
    })
    await screen.findByLabelText('PIN')
    expect(screen.queryByLabelText('RAO password')).toBeNull()
    act(() => api.emit('lockChanged', { ...locked, unlockWith: 'password_and_pin' }))
    const password = await screen.findByLabelText('RAO password')
    expect(password).toHaveFocus()
    expect(screen.getByText(/the PIN alone no longer opens the desk/)).toBeInTheDocument()
    // The PIN alone is not sent: both are needed.
    await userEvent.type(screen.getByLabelText('PIN'), '61803398{Enter}')
    expect(api.calls).not.toContain('unlockDesk')
    await userEvent.type(password, 'Vault"Canary\\Pass')
    await userEvent.type(screen.getByLabelText('PIN'), '{Enter}')
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Wrong RAO password or PIN. Each wrong try is written in the journal.',
    )
    expect(api.inputs[api.calls.indexOf('unlockDesk')]).toEqual({
      pin: '61803398',
      password: 'Vault"Canary\\Pass',
    })
    expect(password).toHaveValue('')
    expect(screen.getByLabelText('PIN')).toHaveValue('')
    expect(password).toHaveFocus()
  })

  it('says plainly when the keychain lost the credentials, and opens only on a set-up main accepts', async () => {
    let answer: IpcResult<unknown> = {
      ok: false,
      error: { code: 'unreachable', message: 'The Optimizer cannot be reached.' },
    }
    const api = renderWith({
      getLockState: () => ok({ locked: true, officer: '', unlockWith: 'set_up', touchId: false }),
      setUpCredentials: () => Promise.resolve(answer),
    })
    expect(
      await screen.findByRole('heading', {
        name: 'The RAO credentials are gone from this computer’s keychain',
      }),
    ).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Unlock' })).toBeNull()
    expect(screen.getByText(/stays locked while the Optimizer cannot be reached/)).toBeInTheDocument()
    // Checked as main will check it: a PIN of letters is not sent.
    await userEvent.type(screen.getByLabelText('RAO username'), '9001800')
    await userEvent.type(screen.getByLabelText('Password'), 'pw')
    await userEvent.type(screen.getByLabelText('PIN'), 'abcd')
    await userEvent.type(screen.getByLabelText('RAO id'), '1400')
    await userEvent.click(screen.getByRole('button', { name: 'Check with the Optimizer and open' }))
    expect(api.calls).not.toContain('setUpCredentials')
    await userEvent.clear(screen.getByLabelText('PIN'))
    await userEvent.type(screen.getByLabelText('PIN'), '61803398{Enter}')
    expect(await screen.findByRole('alert')).toHaveTextContent('Cannot reach the Optimizer.')
    expect(screen.getByRole('heading', { name: 'The desk is locked' })).toBeInTheDocument()
    expect(screen.getByLabelText('Password')).toHaveValue('')
    expect(api.inputs[api.calls.indexOf('setUpCredentials')]).toEqual({
      username: '9001800',
      password: 'pw',
      pin: '61803398',
      rao: '1400',
    })

    answer = { ok: true, value: { status: ready, check: 'verified' } }
    await userEvent.type(screen.getByLabelText('Password'), 'pw')
    await userEvent.type(screen.getByLabelText('PIN'), '61803398{Enter}')
    await waitFor(() => expect(api.calls.filter((name) => name === 'setUpCredentials')).toHaveLength(2))
    act(() => api.emit('lockChanged', open))
    expect(await screen.findByRole('button', { name: 'Lock Ctrl+L' })).toBeInTheDocument()
    expect(api.calls).toContain('getCredentialStatus')
  })

  it('sets up again with what is pasted whole: one too long is refused by the field, and no try is spent on it', async () => {
    const api = renderWith({
      getLockState: () => ok({ locked: true, officer: '9001800', unlockWith: 'set_up', touchId: false }),
      setUpCredentials: () => new Promise(() => undefined),
    })
    const paste = async (label: string, text: string) => {
      await userEvent.clear(screen.getByLabelText(label))
      await userEvent.click(screen.getByLabelText(label))
      await userEvent.paste(text)
    }
    const describedBy = (label: string) =>
      document.getElementById(`${screen.getByLabelText(label).id}-error`)?.textContent
    await screen.findByRole('heading', { name: 'The RAO credentials are gone from this computer’s keychain' })
    await paste('Password', 'p'.repeat(257))
    await paste('PIN', ' 12345678901234567')
    await paste('RAO id', '1400')
    await userEvent.click(screen.getByRole('button', { name: 'Check with the Optimizer and open' }))
    expect(screen.getByLabelText('Password')).toHaveValue('p'.repeat(257))
    expect(describedBy('Password')).toBe('At most 256 characters.')
    expect(describedBy('PIN')).toBe('Digits only, 4 to 16 of them.')
    // Refused here, so the Optimizer never saw it and main counted no failed try.
    expect(api.calls).not.toContain('setUpCredentials')

    await paste('Password', 'p'.repeat(256))
    await paste('PIN', ' 1234567890123456 ')
    await userEvent.click(screen.getByRole('button', { name: 'Check with the Optimizer and open' }))
    expect(api.inputs[api.calls.indexOf('setUpCredentials')]).toEqual({
      username: '9001800',
      password: 'p'.repeat(256),
      pin: ' 1234567890123456 ',
      rao: '1400',
    })
  })

  it('sets up again only for the RAO user it was locked for: given and fixed; another’s refused; a wait kept', async () => {
    const goneFor: LockState = { locked: true, officer: '9001800', unlockWith: 'set_up', touchId: false }
    const api = renderWith({
      getLockState: () => ok(goneFor),
      setUpCredentials: () =>
        Promise.resolve({
          ok: false,
          error: { code: 'other_officer', message: 'The desk was locked for another RAO user.' },
        }),
    })
    const username = await screen.findByLabelText('RAO username')
    expect(username).toHaveValue('9001800')
    expect(username).toHaveAttribute('readonly')
    await userEvent.type(screen.getByLabelText('Password'), 'pw')
    await userEvent.type(screen.getByLabelText('PIN'), '61803398')
    await userEvent.type(screen.getByLabelText('RAO id'), '1400{Enter}')
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The desk was locked for another RAO user. Only that officer’s credentials, set up again, open it.',
    )
    expect(api.inputs[api.calls.indexOf('setUpCredentials')]).toMatchObject({ username: '9001800' })

    // Failed tries wait as wrong PINs do: nothing is sent meanwhile.
    act(() => api.emit('lockChanged', { ...goneFor, retryAt: new Date(Date.now() + 5000).toISOString() }))
    const submit = screen.getByRole('button', { name: 'Check with the Optimizer and open' })
    expect(submit).toBeDisabled()
    expect(screen.getByText(/Too many failed tries: try again in \d s\./)).toBeInTheDocument()
    await userEvent.type(screen.getByLabelText('Password'), 'pw')
    await userEvent.type(screen.getByLabelText('PIN'), '61803398{Enter}')
    expect(api.calls.filter((name) => name === 'setUpCredentials')).toHaveLength(1)
  })
})
