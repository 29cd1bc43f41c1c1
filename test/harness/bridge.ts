import { createApi } from '../../shared/api'
import type { IpcResult } from '../../shared/errors'

// Test harness only: the same `createApi` the preload uses, with a transport over loopback HTTP.
const harnessDown: IpcResult<never> = {
  ok: false,
  error: { code: 'internal', message: 'The test harness is not answering.' },
}

const invoke = async (name: string, input: unknown): Promise<IpcResult<unknown>> => {
  try {
    const response = await fetch(`/__ipc/${name}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ input }),
    })
    return response.ok ? ((await response.json()) as IpcResult<unknown>) : harnessDown
  } catch {
    return harnessDown
  }
}

const events = new EventSource('/__events')

Object.defineProperty(window, 'rao', {
  value: createApi(invoke, (name, listener) => {
    const forward = (event: MessageEvent<string>) => listener(JSON.parse(event.data))
    events.addEventListener(name, forward)
    return () => events.removeEventListener(name, forward)
  }),
  writable: false,
  configurable: false,
})
