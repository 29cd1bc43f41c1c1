import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import keytar from '@github/keytar'
import {
  app,
  BrowserWindow,
  ipcMain,
  powerMonitor,
  protocol,
  session,
  shell,
  systemPreferences,
} from 'electron'
import Store from 'electron-store'
import { eventChannelOf } from '../shared/channels'
import { APP_ENTRY_URL, APP_ORIGIN, APP_SCHEME, MEDIA_ORIGIN, MEDIA_SCHEME } from './app-origin'
import { createRendererHandler } from './app-protocol'
import { bindServices, permissionsFor } from './bindings'
import { hardenWebContents, onPageStart } from './guards'
import { createCheckedEmit } from './ipc'
import { isAppWindowSender, registerIpc, type SenderIdentity } from './ipc-electron'
import { createLogger } from './log'
import { closeBeforeQuit } from './quit'
import { createServices } from './services'
import { openStore } from './settings/open-store'
import { createWindowOptions } from './window'

// Lifecycle only: everything with logic lives in modules that run without Electron.
const here = path.dirname(fileURLToPath(import.meta.url))
const log = createLogger((line) => console.info(line))
/** The app's keychain entries: `com.raodesk.app.sandbox` and `com.raodesk.app.prod`. */
const KEYCHAIN_SERVICE = 'com.raodesk.app'
const trustedWebContentsIds = new Set<number>()
let mainWindow: BrowserWindow | null = null

app.enableSandbox()
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  // Media may stream from it (seeking with Range) and be drawn into a canvas for a snapshot (CORS).
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, stream: true, corsEnabled: true } },
])

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore()
    mainWindow?.focus()
  })
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, shell.openExternal))
  app.on('window-all-closed', () => app.quit())
  app.whenReady().then(start)
}

function createMainWindow(onStart: () => void): void {
  const window = new BrowserWindow(
    createWindowOptions(path.join(here, '../preload/index.cjs'), !app.isPackaged),
  )
  // A reload leaves no screen of the page before it open in main.
  onPageStart(window.webContents, onStart)
  const id = window.webContents.id
  trustedWebContentsIds.add(id)
  window.on('closed', () => {
    trustedWebContentsIds.delete(id)
    mainWindow = null
  })
  window.once('ready-to-show', () => window.show())
  void window.loadURL(APP_ENTRY_URL)
  mainWindow = window
}

/** An extra CA for TLS-inspecting corporate proxies, set by the machine's administrator. */
function readExtraCa(file: string | undefined): string | undefined {
  if (!file) return undefined
  try {
    return readFileSync(file, 'utf8')
  } catch {
    log.error('RAO_DESK_EXTRA_CA_FILE cannot be read; continuing without it', { file })
    return undefined
  }
}

function start(): void {
  protocol.handle(APP_SCHEME, createRendererHandler(path.join(here, '../renderer')))

  const services = createServices({
    store: openStore(
      () => new Store({ name: 'settings' }),
      path.join(app.getPath('userData'), 'settings.json'),
      log,
    ),
    transport: { extraCaPem: readExtraCa(process.env.RAO_DESK_EXTRA_CA_FILE) },
    log,
    caseBookFile: path.join(app.getPath('userData'), 'case-book.jsonl'),
    journalFile: path.join(app.getPath('userData'), 'decision-journal.jsonl'),
    cacheDir: path.join(app.getPath('userData'), 'video-cache'),
    mediaUrl: (mediaPath) => `${MEDIA_ORIGIN}${mediaPath}`,
    emit: createCheckedEmit(
      (name, payload) => mainWindow?.webContents.send(eventChannelOf(name), payload),
      log,
    ),
    keychain: keytar,
    keychainService: KEYCHAIN_SERVICE,
    // The lock follows the system's screen lock and suspend; idle time is the page's own input.
    powerMonitor,
    ...(process.platform === 'darwin'
      ? {
          touchId: {
            available: () => systemPreferences.canPromptTouchID(),
            prompt: (reason: string) => systemPreferences.promptTouchID(reason),
          },
        }
      : {}),
  })
  // Camera and microphone for the app's own window while its capture screen is open and the desk unlocked.
  const permissions = permissionsFor(services, (contents) =>
    trustedWebContentsIds.has((contents as { id: number }).id),
  )
  session.defaultSession.setPermissionRequestHandler(permissions.request)
  session.defaultSession.setPermissionCheckHandler(permissions.check)
  const bound = bindServices(services, {
    isTrustedSender: (event: SenderIdentity) => isAppWindowSender(event, trustedWebContentsIds),
    log,
    media: { pageOrigin: APP_ORIGIN },
  })
  protocol.handle(MEDIA_SCHEME, bound.media)
  registerIpc(ipcMain, bound.ipc)
  closeBeforeQuit(app, () => services.close(), log)
  createMainWindow(services.pageStarted)
  services.start()
}
