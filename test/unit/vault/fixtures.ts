import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import keytar from '@github/keytar'
import Conf from 'conf'
import { afterEach, beforeEach } from 'vitest'
import type { Emit } from '../../../main/ipc'
import { createLogger } from '../../../main/log'
import { createServices, type ServiceDependencies } from '../../../main/services'
import { type Simulator, startSimulator } from '../../simulator/server'
import { cleanKeychain } from '../../support/keychain'
import { FakePowerMonitor } from '../../support/power-monitor'

export { cleanKeychain }

// Recognisable secrets: none may ever show up outside the keychain. The passwords carry what changes
// under an encoding: a quote, a backslash, non-ASCII, a space, and +, / and = (the PIN is digits only).
export const OFFICER = {
  username: '9001877',
  password: 'Vault"Canary\\Pass ñandú+/=5150',
  pin: '61803398',
  rao: '1477',
  billingUsername: 'billing@ra.example',
  billingPassword: 'Vault "Billing\\cañón+/=2718',
}
export const SECRETS = [
  OFFICER.password,
  OFFICER.pin,
  OFFICER.billingPassword,
  Buffer.from(OFFICER.billingPassword).toString('base64'),
]

export const newDataDir = () => mkdtempSync(path.join(tmpdir(), 'rao-vault-'))
export const testService = () => `rao-desk-test-${randomBytes(6).toString('hex')}`

/** The app's services on a data folder and keychain service of the test's own, as main builds them. */
export function servicesFor(
  dataDir: string,
  keychainService: string,
  optimizerUrl: string,
  emit: Emit = () => undefined,
  options: Partial<
    Pick<
      ServiceDependencies,
      | 'now'
      | 'connectionCheckMs'
      | 'settle'
      | 'gonePolicy'
      | 'keychain'
      | 'transport'
      | 'powerMonitor'
      | 'touchId'
      | 'clock'
      | 'idleMinuteMs'
      | 'team'
      | 'cacheFreeBytes'
      | 'maxVideoBytes'
    >
  > = {},
) {
  const lines: string[] = []
  const store = new Conf<Record<string, unknown>>({
    projectName: 'rao-desk',
    cwd: dataDir,
    configName: 'settings',
  })
  const services = createServices({
    store,
    caseBookFile: path.join(dataDir, 'case-book.jsonl'),
    journalFile: path.join(dataDir, 'decision-journal.jsonl'),
    cacheDir: path.join(dataDir, 'video-cache'),
    mediaUrl: (mediaPath) => `rao-media://media${mediaPath}`,
    keychain: options.keychain ?? keytar,
    keychainService,
    log: createLogger((line) => lines.push(line)),
    emit,
    powerMonitor: new FakePowerMonitor(),
    ...options,
  })
  services.handlers.saveSettings({ optimizerUrl })
  return { ...services, lines, store }
}

export interface TestWorld {
  /** Knows OFFICER; a test may replace it (a restart on the same port, say), and the new one is closed. */
  simulator: Simulator
  /** A keychain service name of the test's own. */
  service: string
  dataDir: string
}

/**
 * Gives each test of the file a simulator, a keychain service and a data folder of its own, and
 * cleans up after it: the simulator closed, whatever the test stored in the real keychain removed.
 */
export function eachTestWorld(): TestWorld {
  const world = {} as TestWorld
  beforeEach(async () => {
    world.simulator = await startSimulator({ raos: [OFFICER] })
    world.service = testService()
    world.dataDir = newDataDir()
  })
  afterEach(async () => {
    await world.simulator.close()
    await cleanKeychain(world.service)
  })
  return world
}

/** Every file under a folder, as text (UTF-8, as a secret with non-ASCII would be written), for scanning. */
export function readTree(folder: string): string {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .map((name) => path.join(folder, name))
    .filter((file) => statSync(file).isFile())
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n')
}

/** The keychain entries a test's services keep for an environment, as stored. */
export async function keychainEntries(keychainService: string, environment = 'sandbox') {
  const read = async (account: string) =>
    JSON.parse((await keytar.getPassword(`${keychainService}.${environment}`, account)) ?? 'null')
  return { officer: await read('officer'), revokeLater: await read('revoke-later') }
}
