import path from 'node:path'
import { build } from 'esbuild'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { eventMethodName } from '../../shared/api'
import { eventChannelOf, eventNames, invokeNames, ipcChannelOf } from '../../shared/channels'
import { WINDOW_RAO } from '../window-rao'

// Electron's binary is the edge these tests cannot reach: contextBridge and ipcRenderer are stood in for.
const electron = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  invoke: vi.fn(async (_channel: string, _input: unknown) => ({ ok: true, value: 'answer' })),
  on: vi.fn(),
  off: vi.fn(),
}))
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => electron.exposed.set(key, value) },
  ipcRenderer: { invoke: electron.invoke, on: electron.on, off: electron.off },
}))

type Exposed = Record<string, (...args: unknown[]) => unknown>

describe('20. preload exposes the contract’s named functions and nothing else', () => {
  let rao: Exposed

  beforeAll(async () => {
    await import('../../preload/index')
    rao = electron.exposed.get('rao') as Exposed
  })

  it('exposes one object, window.rao', () => {
    expect([...electron.exposed.keys()]).toEqual(['rao'])
  })

  it('has exactly the contract’s functions', () => {
    // Written out by hand: a new function on window.rao is a change someone reviews, here.
    expect(Object.keys(rao).sort()).toEqual(WINDOW_RAO)
    expect(Object.values(rao).every((value) => typeof value === 'function')).toBe(true)
    for (const forbidden of ['invoke', 'send', 'on', 'ipcRenderer', 'require', 'process']) {
      expect(rao).not.toHaveProperty(forbidden)
    }
    expect(Object.isFrozen(rao)).toBe(true)
  })

  it('bundles no schema library: the names come from a module without zod', async () => {
    const bundled = await build({
      entryPoints: [path.join(import.meta.dirname, '../../preload/index.ts')],
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'node',
      external: ['electron'],
    })
    const code = bundled.outputFiles[0]?.text ?? ''
    expect(code).toContain('contextBridge')
    expect(code).not.toMatch(/zod|ZodType|safeParse/)
    expect(code.length).toBeLessThan(10_000)
  })

  it('sends each function to its own channel', async () => {
    for (const name of invokeNames) {
      await rao[name]?.({ probe: name })
      expect(electron.invoke).toHaveBeenLastCalledWith(ipcChannelOf(name), { probe: name })
    }
  })

  it('subscribes to events and unsubscribes the same listener', () => {
    for (const name of eventNames) {
      const listener = vi.fn()
      const unsubscribe = rao[eventMethodName(name)]?.(listener) as () => void
      const [channel, forward] = electron.on.mock.lastCall as [
        string,
        (event: unknown, payload: unknown) => void,
      ]
      expect(channel).toBe(eventChannelOf(name))
      forward({ senderFrame: 'not passed on' }, { some: 'payload' })
      expect(listener).toHaveBeenCalledWith({ some: 'payload' })
      unsubscribe()
      expect(electron.off).toHaveBeenLastCalledWith(channel, forward)
    }
  })

  it('does not hand the Electron event to the page', () => {
    const listener = vi.fn()
    rao[eventMethodName(eventNames[0] as (typeof eventNames)[number])]?.(listener)
    const [, forward] = electron.on.mock.lastCall as [string, (event: unknown, payload: unknown) => void]
    forward({ sender: 'ipc internals' }, 1)
    expect(listener.mock.lastCall).toEqual([1])
  })
})
