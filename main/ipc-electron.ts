import type { IpcMain, IpcMainInvokeEvent } from 'electron'
import { invokeNames, ipcChannelOf } from '../shared/channels'
import { isAppUrl } from './app-origin'
import type { IpcBinding } from './ipc'

/** The slice of an invoke event that identifies its sender. */
export type SenderIdentity = Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>

/** Trusted: one of the app's own windows, showing the app's own page (not whatever it was navigated to). */
export function isAppWindowSender(
  event: SenderIdentity,
  trustedWebContentsIds: ReadonlySet<number>,
): boolean {
  const frameUrl = event.senderFrame?.url
  return trustedWebContentsIds.has(event.sender.id) && typeof frameUrl === 'string' && isAppUrl(frameUrl)
}

export function registerIpc(ipcMain: Pick<IpcMain, 'handle'>, binding: IpcBinding<SenderIdentity>): void {
  for (const name of invokeNames) {
    ipcMain.handle(ipcChannelOf(name), (event, input: unknown) => binding.dispatch(name, input, event))
  }
}
