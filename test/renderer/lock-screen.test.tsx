// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react'
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
const locked: LockState = { locked: true, officer: '9001800', touchId: false }
const open: LockState = { locked: false, officer: '9001800', touchId: false }
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
})
