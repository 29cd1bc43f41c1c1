import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { VIDEOS } from '../../simulator/seed'
import { type Simulator, startSimulator } from '../../simulator/server'
import { skipBecause } from '../../skip'
import { filesUnder, plaintextIn } from '../../support/plaintext-scan'
import { newDataDir, OFFICER, testService } from '../vault/fixtures'

// A locked keychain, for real: GNOME Keyring in a private D-Bus session, its login collection locked
// between two runs of the probe (test/unit/media/probe.ts), each in a process of its own.
const root = path.resolve(import.meta.dirname, '../../..')
const canRunSessions =
  process.platform === 'linux' &&
  ['/usr/bin/dbus-run-session', '/usr/bin/gnome-keyring-daemon'].every(existsSync)
const lock =
  'dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets ' +
  'org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null'

let simulator: Simulator | undefined
beforeEach(async (context) => {
  if (!canRunSessions) skipBecause(context, 'dbus-run-session and gnome-keyring-daemon are not installed')
  simulator = await startSimulator({ raos: [OFFICER] })
})
afterEach(() => simulator?.close())

type Line = { ok: boolean; result?: unknown; error?: { code: string } }

/** The probe's `seed`, then the keychain locked, then its `use`: the lines each printed. */
async function seedThenUseLocked(dataDir: string, optimizerUrl: string) {
  const service = testService()
  const probe = (command: string) =>
    `node --import tsx test/unit/media/probe.ts ${command} ${dataDir} ${service} ${optimizerUrl}`
  const session = `export XDG_DATA_HOME="$(mktemp -d)"; eval "$(printf test | gnome-keyring-daemon --unlock --components=secrets)"; ${probe('seed')}; echo LOCKED; ${lock}; ${probe('use')}`
  // Not execFileSync: this process's simulator has to answer the probes meanwhile.
  const output = await new Promise<string>((resolve, reject) =>
    execFile(
      'dbus-run-session',
      ['--', 'bash', '-c', session],
      { cwd: root, encoding: 'utf8' },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    ),
  )
  const [seeded = '', locked = ''] = output.split('LOCKED')
  const lines = (text: string): Line[] =>
    text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line))
  return { seeded: lines(seeded), locked: lines(locked) }
}

describe('the video cache with a locked keychain', () => {
  it('refuses to open or keep media, saying the keychain is locked, and writes nothing in the clear', async () => {
    const dataDir = newDataDir()
    const { seeded, locked } = await seedThenUseLocked(dataDir, simulator?.url ?? '')
    expect(seeded.every((line) => line.ok)).toBe(true)
    expect(seeded).toContainEqual({
      ok: true,
      result: { status: 'ready', bytes: readFileSync(VIDEOS.a).length },
    })
    const cache = path.join(dataDir, 'video-cache')
    const before = filesUnder(cache)
    // Opening the saved video and keeping a snapshot both need the media key: the keychain's lock says no.
    expect(locked.map((line) => [line.ok, line.error?.code])).toEqual([
      [false, 'keychain_locked'],
      [false, 'keychain_locked'],
    ])
    expect(filesUnder(cache)).toEqual(before)
    expect(plaintextIn(cache, [readFileSync(VIDEOS.a)])).toEqual([])
  }, 60_000)
})
