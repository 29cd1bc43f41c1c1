import type { Handlers } from '../../main/ipc'
import type { HandlerOutput, InvokeName } from '../../shared/contract'
import { defaultSettings } from '../../shared/settings'

/** One valid answer per channel; typed, so a new channel cannot be added without one. */
export const sampleOutputs: { [N in InvokeName]: HandlerOutput<N> } = {
  getSettings: defaultSettings,
  saveSettings: defaultSettings,
  checkConnection: { name: 'OneShot Optimizer', version: '1.5.0', greeting: 'Hello' },
  getCredentialStatus: { environment: 'sandbox', state: 'none' },
  setUpCredentials: {
    environment: 'sandbox',
    state: 'ready',
    username: '9001800',
    rao: '1400',
    mode: 'credentials',
  },
  updateCredentials: {
    environment: 'sandbox',
    state: 'ready',
    username: '9001800',
    rao: '1400',
    mode: 'credentials',
  },
  forgetCredentials: { tokenRevoked: null },
  verifyCredentials: { method: 'credentials' },
  createOptimizerToken: {
    environment: 'sandbox',
    state: 'ready',
    username: '9001800',
    rao: '1400',
    mode: 'token',
  },
  getTokenInfo: { username: '9001800', hasPassword: true, hasPin: true },
  revokeOptimizerToken: {
    environment: 'sandbox',
    state: 'ready',
    username: '9001800',
    rao: '1400',
    mode: 'credentials',
  },
}

/** Handlers that answer the samples, each a spy the test can inspect. */
export function sampleHandlers(
  spy: <F extends (...args: never[]) => unknown>(implementation: F) => F,
): Handlers {
  const handlers = {} as Record<InvokeName, unknown>
  for (const name of Object.keys(sampleOutputs) as InvokeName[]) {
    handlers[name] = spy(() => sampleOutputs[name])
  }
  return handlers as Handlers
}
