import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { createCheckedEmit, createIpcBinding, type Handlers } from '../../main/ipc'
import { createLogger } from '../../main/log'
import { type InvokeName, invokeNames } from '../../shared/channels'
import { invokeChannels } from '../../shared/contract'
import { AppError } from '../../shared/errors'
import { defaultSettings } from '../../shared/settings'
import { sampleHandlers } from './contract-samples'

function setup(overrides: Partial<Handlers> = {}) {
  const handlers: Handlers = { ...sampleHandlers(vi.fn as never), ...overrides }
  const logLines: string[] = []
  const binding = createIpcBinding<{ trusted: boolean }>({
    handlers,
    isTrustedSender: (sender) => sender.trusted,
    refuse: () => undefined,
    log: createLogger((line) => logLines.push(line)),
  })
  return { handlers, binding, logLines }
}

const trusted = { trusted: true }

describe('IPC binding', () => {
  it('answers a valid call with the handler’s value', async () => {
    const { binding, handlers } = setup()
    const result = await binding.dispatch('saveSettings', { environment: 'prod' }, trusted)
    expect(result).toEqual({ ok: true, value: defaultSettings })
    expect(handlers.saveSettings).toHaveBeenCalledWith({ environment: 'prod' })
  })

  it('17. rejects a sender that is not the app’s own window, and never runs the handler', async () => {
    const { binding, handlers, logLines } = setup()
    for (const name of invokeNames) {
      const result = await binding.dispatch(name, undefined, { trusted: false })
      expect(result).toEqual({ ok: false, error: expect.objectContaining({ code: 'untrusted_sender' }) })
    }
    expect(handlers.getSettings).not.toHaveBeenCalled()
    expect(handlers.checkConnection).not.toHaveBeenCalled()
    expect(logLines.join('\n')).toContain('untrusted sender')
  })

  it('rejects a channel that is not in the contract', async () => {
    const { binding } = setup()
    for (const name of ['__proto__', 'constructor', 'toString', 'shell:openExternal', '']) {
      const result = await binding.dispatch(name, undefined, trusted)
      expect(result).toEqual({ ok: false, error: expect.objectContaining({ code: 'unknown_channel' }) })
    }
  })

  it('gives every channel’s malformed input the typed validation error, and never runs its handler', async () => {
    let rejected = 0
    for (const name of invokeNames) {
      const schema = invokeChannels[name].input
      // One binding per channel, its handler's calls cleared before each payload: a fresh set of mocks
      // for each of thousands of payloads is kept by Vitest's registry until the file ends.
      const { binding, handlers } = setup()
      const handler = vi.mocked(handlers[name as InvokeName])
      await fc.assert(
        fc.asyncProperty(
          fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true }),
          async (payload) => {
            handler.mockClear()
            const result = await binding.dispatch(name, payload, trusted)
            if (schema.safeParse(payload).success) {
              expect(result.ok).toBe(true)
              return
            }
            rejected++
            expect(result).toEqual({
              ok: false,
              error: { code: 'invalid_input', message: expect.any(String), detail: expect.any(String) },
            })
            expect(handler).not.toHaveBeenCalled()
          },
        ),
        { numRuns: 300 },
      )
    }
    expect(rejected).toBeGreaterThan(invokeNames.length * 200)
    // Thousands of random payloads: a slow or busy machine takes its time, which says nothing of the code.
  }, 180_000)

  it('never echoes a rejected value back in the error', async () => {
    const { binding } = setup()
    const result = await binding.dispatch(
      'saveSettings',
      { optimizerUrl: 'https://x.test', pin: '482915' },
      trusted,
    )
    expect(result.ok).toBe(false)
    expect(JSON.stringify(result)).not.toContain('482915')
  })

  it('passes an AppError through as the contract’s error shape', async () => {
    const { binding } = setup({
      checkConnection: async () => {
        throw new AppError('unreachable', 'The Optimizer cannot be reached.', 'ECONNREFUSED')
      },
    })
    expect(await binding.dispatch('checkConnection', undefined, trusted)).toEqual({
      ok: false,
      error: { code: 'unreachable', message: 'The Optimizer cannot be reached.', detail: 'ECONNREFUSED' },
    })
  })

  it('turns any other exception into an internal error without its message', async () => {
    const { binding } = setup({
      checkConnection: async () => {
        throw new Error('password=hunter2 leaked')
      },
    })
    const result = await binding.dispatch('checkConnection', undefined, trusted)
    expect(result).toEqual({ ok: false, error: { code: 'internal', message: expect.any(String) } })
    expect(JSON.stringify(result)).not.toContain('hunter2')
  })

  it('strips from an answer whatever the contract does not name', async () => {
    const { binding } = setup({ getSettings: () => ({ ...defaultSettings, password: 'hunter2' }) as never })
    const result = await binding.dispatch('getSettings', undefined, trusted)
    expect(result).toEqual({ ok: true, value: defaultSettings })
  })

  it('refuses to send an answer that breaks the contract', async () => {
    const { binding } = setup({ checkConnection: async () => ({ name: 42 }) as never })
    const result = await binding.dispatch('checkConnection', undefined, trusted)
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ code: 'internal' }) })
  })
})

describe('events to the page', () => {
  it('pass the contract: a payload is stripped to its schema, and one that breaks it is not sent', () => {
    const sent: [string, unknown][] = []
    const lines: string[] = []
    const emit = createCheckedEmit(
      (name, payload) => sent.push([name, payload]),
      createLogger((line) => lines.push(line)),
    )
    emit('syncChanged', { running: false, online: true, password: 'hunter2' } as never)
    emit('videoProgress', { videoidPk: -1, state: { status: 'none' } })
    expect(sent).toEqual([['syncChanged', { running: false, online: true }]])
    expect(lines.join('\n')).toContain('event outside the contract: not sent')
    expect(lines.join('\n')).not.toContain('hunter2')
  })
})
