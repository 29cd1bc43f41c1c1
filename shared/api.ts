import { type EventName, eventNames, type InvokeName, invokeNames } from './channels'
import type { EventPayload, InvokeInput, InvokeOutput } from './contract'
import type { IpcResult } from './errors'

type InvokeMethod<N extends InvokeName> =
  undefined extends InvokeInput<N>
    ? (input?: InvokeInput<N>) => Promise<IpcResult<InvokeOutput<N>>>
    : (input: InvokeInput<N>) => Promise<IpcResult<InvokeOutput<N>>>

export type EventMethodName<E extends EventName> = `on${Capitalize<E>}`
export type Unsubscribe = () => void

/** The `window.rao` object: one function per invoke channel, one `onX` per event channel. */
export type RaoApi = { [N in InvokeName]: InvokeMethod<N> } & {
  [E in EventName as EventMethodName<E>]: (listener: (payload: EventPayload<E>) => void) => Unsubscribe
}

/** How a transport sends one invoke: Electron's `ipcRenderer.invoke`, or the test harness's loopback HTTP. */
export type Invoke = (name: InvokeName, input: unknown) => Promise<IpcResult<unknown>>
/** How a transport delivers one event channel to a listener; returns the way to stop. */
export type Subscribe = (name: EventName, listener: (payload: unknown) => void) => Unsubscribe

export const eventMethodName = <E extends EventName>(name: E): EventMethodName<E> =>
  `on${name.charAt(0).toUpperCase()}${name.slice(1)}` as EventMethodName<E>

/**
 * Builds `window.rao` from the contract table. Answers are `IpcResult` values rather than rejections,
 * because Electron's context bridge drops every property of a thrown error but its message.
 */
export function createApi(invoke: Invoke, subscribe: Subscribe): RaoApi {
  const api: Record<string, unknown> = {}
  for (const name of invokeNames) {
    api[name] = (input?: unknown) => invoke(name, input)
  }
  for (const name of eventNames) {
    api[eventMethodName(name)] = (listener: (payload: unknown) => void) => {
      if (typeof listener !== 'function') throw new TypeError('listener must be a function')
      return subscribe(name, (payload) => listener(payload))
    }
  }
  return Object.freeze(api) as RaoApi
}
