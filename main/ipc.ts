import type { z } from 'zod'
import { type EventName, type InvokeName, isInvokeName } from '../shared/channels'
import {
  type EventPayload,
  eventChannels,
  type HandlerOutput,
  invokeChannels,
  type ParsedInput,
} from '../shared/contract'
import { AppError, type AppErrorShape, type IpcResult } from '../shared/errors'
import type { Logger } from './log'

export type Handlers = {
  [N in InvokeName]: (input: ParsedInput<N>) => Promise<HandlerOutput<N>> | HandlerOutput<N>
}

export interface IpcBinding<Sender> {
  dispatch(name: string, input: unknown, sender: Sender): Promise<IpcResult<unknown>>
}

const failure = (code: AppErrorShape['code'], message: string, detail?: string): IpcResult<never> => ({
  ok: false,
  error: new AppError(code, message, detail).toShape(),
})

/** Names the fields that failed and why, never their values: an input may hold a password. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(input)'}: ${issue.message}`)
    .join('; ')
}

/**
 * The one place every invoke passes through, whatever the transport: Electron's ipcMain in the app,
 * loopback HTTP in the test harness. It refuses untrusted senders, parses the input with the channel's
 * schema before any handler runs, parses the output (so nothing outside the contract crosses), and
 * turns every failure into the contract's error shape.
 */
export function createIpcBinding<Sender>(options: {
  handlers: Handlers
  isTrustedSender: (sender: Sender) => boolean
  /**
   * Refuses a function before its input is read, whatever it is sent, and again as its answer leaves (the
   * desk's lock); required, so no shell forgets it.
   */
  refuse: (name: InvokeName) => AppError | undefined
  log: Logger
}): IpcBinding<Sender> {
  const { handlers, isTrustedSender, log } = options

  /** Runs the handler, and parses its answer (so nothing outside the contract crosses). */
  async function run(name: InvokeName, input: unknown): Promise<IpcResult<unknown>> {
    try {
      const handler = handlers[name] as (input: unknown) => unknown
      const output = invokeChannels[name].output.safeParse(await handler(input))
      if (!output.success) {
        log.error('ipc handler answered outside the contract', { channel: name })
        return failure('internal', 'RAO Desk produced an unexpected answer.')
      }
      return { ok: true, value: output.data }
    } catch (error) {
      if (error instanceof AppError) return { ok: false, error: error.toShape() }
      log.error('ipc handler failed', {
        channel: name,
        error: error instanceof Error ? error.name : 'unknown',
      })
      return failure('internal', 'Something went wrong in RAO Desk.')
    }
  }

  return {
    async dispatch(name, input, sender) {
      if (!isInvokeName(name)) return failure('unknown_channel', 'This action does not exist.')
      if (!isTrustedSender(sender)) {
        log.warn('ipc refused: untrusted sender', { channel: name })
        return failure('untrusted_sender', 'This request did not come from the RAO Desk window.')
      }
      const refused = options.refuse(name)
      if (refused) return { ok: false, error: refused.toShape() }
      const parsed = invokeChannels[name].input.safeParse(input)
      if (!parsed.success) {
        return failure('invalid_input', 'The request was not valid.', describeIssues(parsed.error))
      }
      const answer = await run(name, parsed.data)
      // Locked while it ran: what it did stands (a decision sent stays sent and journaled), but its answer,
      // a failure's words too, waits for no one; the page reads the outcome again once unlocked.
      const refusedNow = options.refuse(name)
      return refusedNow ? { ok: false, error: refusedNow.toShape() } : answer
    },
  }
}

/** Pushes one event to the renderer. */
export type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void

/**
 * Events pass the contract like answers do: a payload is parsed with its channel's schema before it
 * crosses (so nothing it does not name goes along), and one that does not fit is dropped and logged.
 */
export function createCheckedEmit(send: (name: EventName, payload: unknown) => void, log: Logger): Emit {
  return (name, payload) => {
    const parsed = eventChannels[name].safeParse(payload)
    if (!parsed.success) {
      log.error('event outside the contract: not sent', { channel: name })
      return
    }
    send(name, parsed.data)
  }
}
