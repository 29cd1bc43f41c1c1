import { contextBridge, ipcRenderer } from 'electron'
import { createApi } from '../shared/api'
import { eventChannelOf, ipcChannelOf } from '../shared/channels'
import type { IpcResult } from '../shared/errors'

// Exposes the contract's named functions and nothing else: no ipcRenderer, no generic invoke.
contextBridge.exposeInMainWorld(
  'rao',
  createApi(
    (name, input) => ipcRenderer.invoke(ipcChannelOf(name), input) as Promise<IpcResult<unknown>>,
    (name, listener) => {
      const channel = eventChannelOf(name)
      const forward = (_event: unknown, payload: unknown) => listener(payload)
      ipcRenderer.on(channel, forward)
      return () => void ipcRenderer.off(channel, forward)
    },
  ),
)
