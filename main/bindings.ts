import { createPermissionHandlers } from './guards'
import { createIpcBinding, type Handlers } from './ipc'
import { mediaBehindLock } from './lock/gate'
import type { Logger } from './log'
import { createMediaHandler, type MediaHandlerOptions } from './media/media-protocol'

/** What the bindings take of the services (`createServices`). */
export interface BoundServices {
  handlers: Handlers
  refuse: Parameters<typeof createIpcBinding>[0]['refuse']
  video: MediaHandlerOptions['video']
  capture: NonNullable<MediaHandlerOptions['capture']>
  lock: { locked(): boolean }
}

/**
 * The app's permission handlers: camera and microphone for its own window while the capture screen is
 * open and the desk unlocked (a locked desk shows only the lock screen, which records nothing).
 */
export function permissionsFor(
  services: { capture: { screenOpen(): boolean }; lock: { locked(): boolean } },
  isAppWindow: (webContents: unknown) => boolean,
) {
  return createPermissionHandlers({
    isAppWindow,
    captureOpen: () => services.capture.screenOpen() && !services.lock.locked(),
  })
}

/**
 * What a shell serves of the services: every IPC function behind the lock's gate, and the media
 * protocol behind the lock. The app (`index.ts`) and the test harness both build theirs here, so
 * the wiring the tests run is the app's.
 */
export function bindServices<Sender>(
  services: BoundServices,
  options: {
    isTrustedSender: (sender: Sender) => boolean
    log: Logger
    media: Omit<MediaHandlerOptions, 'video' | 'capture'>
  },
) {
  return {
    ipc: createIpcBinding<Sender>({
      handlers: services.handlers,
      isTrustedSender: options.isTrustedSender,
      refuse: services.refuse,
      log: options.log,
    }),
    media: mediaBehindLock(
      createMediaHandler({ video: services.video, capture: services.capture, ...options.media }),
      () => services.lock.locked(),
    ),
  }
}
