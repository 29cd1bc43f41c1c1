import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { fromKeychainError } from '../../../main/vault/keychain'
import { skipBecause } from '../../skip'
import { newDataDir, readTree, SECRETS, testService } from './fixtures'

const root = path.resolve(import.meta.dirname, '../../..')
const probe = (command: string, dataDir: string, service: string) =>
  `node --import tsx test/unit/vault/probe.ts ${command} ${dataDir} ${service}`
const canRunSessions =
  process.platform === 'linux' &&
  ['/usr/bin/dbus-run-session', '/usr/bin/gnome-keyring-daemon'].every(existsSync)

/** Runs a script in a private D-Bus session with a fresh, unlocked GNOME Keyring; returns its JSON lines. */
function inFreshKeyring(
  script: string,
): Array<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }> {
  const output = execFileSync(
    'dbus-run-session',
    [
      '--',
      'bash',
      '-c',
      `export XDG_DATA_HOME="$(mktemp -d)"; eval "$(printf test | gnome-keyring-daemon --unlock --components=secrets)"; ${script}`,
    ],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  )
  return output
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
}

// Each keychain failure reproduced for real, on Linux's Secret Service, each in a process of its own.
describe('keychain failures (real Secret Service sessions)', () => {
  beforeEach((context) => {
    if (!canRunSessions) skipBecause(context, 'dbus-run-session and gnome-keyring-daemon are not installed')
  })

  it('no Secret Service running: a clear message naming what to install, and no plaintext fallback', () => {
    const dataDir = newDataDir()
    const service = testService()
    const env: NodeJS.ProcessEnv = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' }
    delete env.DISPLAY
    const run = (command: string) =>
      JSON.parse(
        execFileSync('bash', ['-c', probe(command, dataDir, service)], { cwd: root, env, encoding: 'utf8' }),
      )
    const setup = run('setup')
    expect(setup).toMatchObject({ ok: false, error: { code: 'keychain_unavailable' } })
    expect(setup.error.message).toContain('gnome-keyring')
    expect(run('status')).toMatchObject({
      ok: true,
      result: { state: 'keychain_problem', problem: { code: 'keychain_unavailable' } },
    })
    for (const secret of SECRETS) expect(readTree(dataDir)).not.toContain(secret)
  })

  it('locked collection: asks to unlock, and does not mistake hidden items for lost ones', () => {
    const dataDir = newDataDir()
    const service = testService()
    const lock =
      'dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets ' +
      'org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null'
    const [setup, status, again] = inFreshKeyring(
      `${probe('setup', dataDir, service)}; ${lock}; ${probe('status', dataDir, service)}; ${probe('setup', dataDir, service)}`,
    )
    expect(setup).toMatchObject({ ok: true, result: { state: 'ready' } })
    expect(status).toMatchObject({
      ok: true,
      result: { state: 'keychain_problem', problem: { code: 'keychain_locked' } },
    })
    expect(again).toMatchObject({ ok: false, error: { code: 'keychain_locked' } })
    for (const secret of SECRETS) expect(readTree(dataDir)).not.toContain(secret)
  })

  it('a different keychain than the one the credentials were saved in: back to set-up, saying why', () => {
    const dataDir = newDataDir()
    const service = testService()
    const [saved] = inFreshKeyring(probe('setup', dataDir, service))
    const [elsewhere] = inFreshKeyring(probe('status', dataDir, service))
    expect(saved).toMatchObject({ ok: true, result: { state: 'ready' } })
    expect(elsewhere).toMatchObject({
      ok: true,
      result: { state: 'lost', problem: { code: 'credentials_lost' } },
    })
  })
})

describe('keychain messages from every platform', () => {
  it.each([
    ['Could not connect: No such file or directory', 'keychain_unavailable'],
    ['The name org.freedesktop.secrets was not provided by any .service files', 'keychain_unavailable'],
    ['Cannot autolaunch D-Bus without X11 $DISPLAY', 'keychain_unavailable'],
    ['Cannot create an item in a locked collection', 'keychain_locked'],
    ['User canceled the operation.', 'keychain_denied'],
    ['The user name or passphrase you entered is not correct.', 'keychain_error'],
    ['User interaction is not allowed.', 'keychain_denied'],
    ['Access is denied.', 'keychain_denied'],
  ])('%s → %s', (message, code) => {
    expect(fromKeychainError(new Error(message)).code).toBe(code)
  })
})
