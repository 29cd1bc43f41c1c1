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

export const deskLocked = () => new AppError('desk_locked', 'The desk is locked: unlock it with your PIN.')

/** For the IPC binding: the refusal for a channel a locked desk does not answer, before its input is read. */
export const lockGate =
  (isLocked: () => boolean) =>
  (name: InvokeName): AppError | undefined =>
    isLocked() && !OPEN_WHILE_LOCKED.has(name) ? deskLocked() : undefined

/** Main's media protocol behind the lock: nothing is served while the desk is locked (423 Locked). */
export const mediaBehindLock =
  (handler: (request: Request) => Promise<Response>, isLocked: () => boolean) =>
  (request: Request): Promise<Response> =>
    isLocked()
      ? Promise.resolve(
          new Response('The desk is locked.', {
            status: 423,
            headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
          }),
        )
      : handler(request)
