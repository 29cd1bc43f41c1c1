import type { InvokeName } from '../../shared/channels'
import { AppError } from '../../shared/errors'

/**
 * All a locked desk still answers: the lock itself, and the settings (the lock screen speaks the
 * officer's language; a change is refused like everything else). Every other function, a new one too,
 * is refused: decisions, credentials, settings changes, and every read of cases, their decisions,
 * the journal and the media, which hold the signers' personal data.
 */
const OPEN_WHILE_LOCKED: ReadonlySet<InvokeName> = new Set([
  'getSettings',
  'getLockState',
  'lockDesk',
  'unlockDesk',
  'unlockDeskWithTouchId',
  'reportActivity',
])

/**
 * Open too while the keychain has lost every credential and the desk is locked: setting them up again,
 * which opens the desk only once the Optimizer verified them.
 */
const OPEN_TO_SET_UP_AGAIN: ReadonlySet<InvokeName> = new Set(['setUpCredentials'])

export const deskLocked = () => new AppError('desk_locked', 'The desk is locked: unlock it with your PIN.')

/**
 * For the IPC binding: the refusal for a channel a locked desk does not answer, asked before its input
 * is read and again when its handler ends (the desk may have locked meanwhile).
 */
export const lockGate =
  (lock: { locked(): boolean; awaitsSetUp(): boolean }) =>
  (name: InvokeName): AppError | undefined => {
    if (!lock.locked() || OPEN_WHILE_LOCKED.has(name)) return undefined
    return lock.awaitsSetUp() && OPEN_TO_SET_UP_AGAIN.has(name) ? undefined : deskLocked()
  }

/**
 * Main's media protocol behind the lock: nothing is served while the desk is locked (423 Locked), and a
 * body already streaming (a video playing) ends with an error at its first read after the desk locks.
 */
export const mediaBehindLock =
  (handler: (request: Request) => Promise<Response>, isLocked: () => boolean) =>
  async (request: Request): Promise<Response> => {
    if (isLocked())
      return new Response('The desk is locked.', {
        status: 423,
        headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
      })
    const answer = await handler(request)
    if (!answer.body) return answer
    const { status, statusText, headers } = answer
    return new Response(endsWhenLocked(answer.body, isLocked), { status, statusText, headers })
  }

/** A body whose every read first asks whether the desk is locked: then it stops, and says why. */
function endsWhenLocked(
  body: ReadableStream<Uint8Array>,
  isLocked: () => boolean,
): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  const stop = async (controller: ReadableStreamDefaultController<Uint8Array>) => {
    controller.error(deskLocked())
    await reader.cancel().catch(() => undefined)
  }
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (isLocked()) return stop(controller)
        const { done, value } = await reader.read()
        // A read may wait a while for a chunk still downloading: the lock may have come meanwhile.
        if (isLocked()) return stop(controller)
        if (done) controller.close()
        else controller.enqueue(value)
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  )
}
