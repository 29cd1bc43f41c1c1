import { describe, expect, it, vi } from 'vitest'
import { createIpcBinding } from '../../main/ipc'
import { isAppWindowSender, registerIpc, type SenderIdentity } from '../../main/ipc-electron'
import { createLogger } from '../../main/log'
import { invokeNames, ipcChannelOf } from '../../shared/channels'
import { defaultSettings } from '../../shared/settings'
import { sampleHandlers } from './contract-samples'

// Stand-ins for Electron's invoke events: the binary is not available here, and the check reads two fields.
const eventFrom = (webContentsId: number, frameUrl: string | null) =>
  ({
    sender: { id: webContentsId },
    senderFrame: frameUrl === null ? null : { url: frameUrl },
  }) as unknown as SenderIdentity

describe('17. Electron IPC: the sender of every message is validated', () => {
  const trustedIds = new Set([7])

  it('trusts the app’s window showing the app’s page', () => {
    expect(isAppWindowSender(eventFrom(7, 'app://rao-desk/index.html'), trustedIds)).toBe(true)
  })

  it.each([
    ['another webContents', eventFrom(8, 'app://rao-desk/index.html')],
    ['the window after navigating away', eventFrom(7, 'https://evil.example/')],
    ['a file:// page', eventFrom(7, 'file:///tmp/index.html')],
    ['a look-alike host', eventFrom(7, 'app://rao-desk.evil/index.html')],
    ['a destroyed frame', eventFrom(7, null)],
  ])('rejects %s', (_label, event) => {
    expect(isAppWindowSender(event, trustedIds)).toBe(false)
  })

  it('registers every contract channel and routes untrusted senders to a refusal', async () => {
    const registered = new Map<string, (event: unknown, input: unknown) => Promise<unknown>>()
    const getSettings = vi.fn(() => defaultSettings)
    registerIpc(
      { handle: (channel: string, listener: never) => void registered.set(channel, listener) } as never,
      createIpcBinding<SenderIdentity>({
        handlers: { ...sampleHandlers(vi.fn as never), getSettings },
        isTrustedSender: (event) => isAppWindowSender(event, trustedIds),
        refuse: () => undefined,
        log: createLogger(() => undefined),
      }),
    )
    expect([...registered.keys()].sort()).toEqual(invokeNames.map(ipcChannelOf).sort())
    const handle = registered.get(ipcChannelOf('getSettings'))
    expect(await handle?.(eventFrom(99, 'app://rao-desk/index.html'), undefined)).toMatchObject({
      ok: false,
      error: { code: 'untrusted_sender' },
    })
    expect(getSettings).not.toHaveBeenCalled()
    expect(await handle?.(eventFrom(7, 'app://rao-desk/index.html'), undefined)).toEqual({
      ok: true,
      value: defaultSettings,
    })
  })
})
