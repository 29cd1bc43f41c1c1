import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import keytar from '@github/keytar'
import { describe, expect, it } from 'vitest'
import { bindServices } from '../../../main/bindings'
import { createLogger } from '../../../main/log'
import { startSimulator } from '../../simulator/server'
import { FULL_CHECKLIST } from '../decisions/checklist'
import { eachTestWorld, keychainEntries, newDataDir, OFFICER, servicesFor } from '../vault/fixtures'
import { desk as deskIn, LUCIA, lockEntries, MINUTE } from './desk'

// Whose PIN opens the desk, whatever environment is in use; and what happens when the keychain loses
// the credentials while the desk is locked. Real keychain and simulator; fake clock and power monitor.
const world = eachTestWorld()
const desk = (options?: Parameters<typeof deskIn>[1]) => deskIn(world, options)

/** A production RAO of the simulator's, with a PIN of its own. */
const PROD = { username: '9005555', password: 'Prod"Only\\pw ñ+/=', pin: '99887766', rao: '1555' }

const approveLucia = (app: ReturnType<typeof servicesFor>) =>
  app.handlers.decide({ action: 'approve', videoidPk: LUCIA.videoidPk, checklist: FULL_CHECKLIST })

describe('the lock and the environments', () => {
  it('locks while the environment in use has no credentials, and opens with the PIN of one that has', async () => {
    const { app, clock, powerMonitor, events } = await desk()
    const { ipc } = bindServices(app, {
      isTrustedSender: () => true,
      log: createLogger(() => undefined),
      media: {},
    })
    app.start()
    await app.handlers.saveSettings({ environment: 'prod' })
    const inProd = events.length
    expect(await app.handlers.getLockState(undefined)).toMatchObject({
      locked: false,
      officer: OFFICER.username,
    })
    // Idle, the screen's lock, the suspend and the officer's own request all lock it.
    clock.advance(5 * MINUTE)
    expect(app.lock.locked()).toBe(true)
    await app.handlers.unlockDesk({ pin: OFFICER.pin })
    powerMonitor.emit('lock-screen')
    expect(app.lock.locked()).toBe(true)
    await app.handlers.unlockDesk({ pin: OFFICER.pin })
    powerMonitor.emit('suspend')
    expect(app.lock.locked()).toBe(true)
    await app.handlers.unlockDesk({ pin: OFFICER.pin })
    expect(await app.handlers.lockDesk(undefined)).toMatchObject({ locked: true, officer: OFFICER.username })

    // A passer-by switching back to the environment that has credentials gets nowhere.
    expect(await ipc.dispatch('saveSettings', { environment: 'sandbox' }, {})).toMatchObject({
      ok: false,
      error: { code: 'desk_locked' },
    })
    expect(
      await ipc.dispatch(
        'decide',
        { action: 'approve', videoidPk: LUCIA.videoidPk, checklist: FULL_CHECKLIST },
        {},
      ),
    ).toMatchObject({ ok: false, error: { code: 'desk_locked' } })
    expect(world.simulator.decisions).toEqual([])
    await expect(app.handlers.unlockDesk({ pin: '00000000' })).rejects.toMatchObject({ code: 'wrong_pin' })
    expect(await app.handlers.unlockDesk({ pin: OFFICER.pin })).toMatchObject({ locked: false })
    // Every lock and unlock in prod named sandbox's officer, whose PIN opens it.
    const told = events.slice(inProd).filter((event) => event.name === 'lockChanged')
    expect(told.length).toBeGreaterThan(8)
    for (const event of told) expect(event.payload).toMatchObject({ officer: OFFICER.username })
    await app.close()
  })

  it('opens with the PIN of the environment in use where it has credentials, not another’s', async () => {
    await world.simulator.close()
    world.simulator = await startSimulator({ raos: [OFFICER, PROD] })
    const { app } = await desk()
    await app.handlers.saveSettings({ environment: 'prod' })
    await app.handlers.setUpCredentials(PROD)
    expect(await app.handlers.lockDesk(undefined)).toMatchObject({ locked: true, officer: PROD.username })
    await expect(app.handlers.unlockDesk({ pin: OFFICER.pin })).rejects.toMatchObject({ code: 'wrong_pin' })
    expect(await app.handlers.unlockDesk({ pin: PROD.pin })).toMatchObject({ locked: false })
    // Prod's credentials forgotten: sandbox's PIN opens it, and the lock says whose.
    await app.handlers.forgetCredentials(undefined)
    expect(await app.handlers.lockDesk(undefined)).toMatchObject({ officer: OFFICER.username })
    await expect(app.handlers.unlockDesk({ pin: PROD.pin })).rejects.toMatchObject({ code: 'wrong_pin' })
    expect(await app.handlers.unlockDesk({ pin: OFFICER.pin })).toMatchObject({ locked: false })
    await app.close()
  })
})

describe('credentials gone from the keychain while locked', () => {
  const bind = (app: ReturnType<typeof servicesFor>) =>
    bindServices(app, { isTrustedSender: () => true, log: createLogger(() => undefined), media: {} }).ipc

  it('stays locked, says so, and opens only once the credentials set up again are verified', async () => {
    const { app, clock } = await desk()
    const ipc = bind(app)
    await app.handlers.lockDesk(undefined)
    await keytar.deletePassword(`${world.service}.sandbox`, 'officer')

    // Any PIN, the right one too, is refused: there is nothing to compare it with. Each try is journaled.
    for (const pin of [OFFICER.pin, '0000'])
      expect(await ipc.dispatch('unlockDesk', { pin }, {})).toMatchObject({
        ok: false,
        error: { code: 'credentials_lost' },
      })
    expect(await app.handlers.getLockState(undefined)).toEqual({
      locked: true,
      officer: OFFICER.username,
      unlockWith: 'set_up',
      touchId: false,
    })
    // Only the set-up passes the gate; the work stays shut.
    for (const name of ['getCaseBook', 'getJournal', 'updateCredentials', 'getCredentialStatus'] as const)
      expect(app.refuse(name)?.code, name).toBe('desk_locked')
    expect(app.refuse('setUpCredentials')).toBeUndefined()

    // The Optimizer out of reach: the credentials cannot be checked, so nothing is saved, still locked;
    // no fault of the officer's, so not a failed try.
    const port = Number(new URL(world.simulator.url).port)
    await world.simulator.close()
    expect(await ipc.dispatch('setUpCredentials', OFFICER, {})).toMatchObject({
      ok: false,
      error: { code: 'unreachable' },
    })
    world.simulator = await startSimulator({ port, raos: [OFFICER] })
    // Credentials the Optimizer refuses: nothing saved, still locked, a failed try.
    expect(
      await ipc.dispatch('setUpCredentials', { ...OFFICER, password: `${OFFICER.password}x` }, {}),
    ).toMatchObject({ ok: false, error: { code: 'invalid_credentials' } })
    expect(app.lock.locked()).toBe(true)
    expect((await keychainEntries(world.service)).officer).toBeNull()
    // A PIN never opens it meanwhile, nor does a restart; the three failed tries' wait holds across it.
    await app.close()
    const restarted = servicesFor(world.dataDir, world.service, world.simulator.url, undefined, { clock })
    expect(await restarted.handlers.getLockState(undefined)).toMatchObject({
      locked: true,
      unlockWith: 'set_up',
      retryAt: new Date(clock.now() + 5000).toISOString(),
    })
    const restartedIpc = bind(restarted)
    expect(await restartedIpc.dispatch('setUpCredentials', OFFICER, {})).toMatchObject({
      ok: false,
      error: { code: 'unlock_wait' },
    })
    clock.advance(5000)

    // The Optimizer verifies them: the desk opens, and the journal says how.
    expect(await restartedIpc.dispatch('setUpCredentials', OFFICER, {})).toMatchObject({
      ok: true,
      value: { check: 'verified' },
    })
    expect(await restarted.handlers.getLockState(undefined)).toMatchObject({
      locked: false,
      officer: OFFICER.username,
    })
    expect(await lockEntries(restarted)).toEqual([
      ['locked', 'on_demand', OFFICER.username],
      ['unlock_failed', 'no_credentials', OFFICER.username],
      ['unlock_failed', 'no_credentials', OFFICER.username],
      ['unlock_failed', 'set_up_refused', OFFICER.username],
      ['unlocked', 'set_up_again', OFFICER.username],
    ])
    expect((await approveLucia(restarted)).case.status).toBe('ENROLLREADY')
    await restarted.close()
  })

  it('opens at the set-up only for the RAO user it was locked for: another’s valid credentials are a failed try', async () => {
    await world.simulator.close()
    world.simulator = await startSimulator({ raos: [OFFICER, PROD] })
    const { app, clock } = await desk()
    const ipc = bind(app)
    await app.handlers.lockDesk(undefined)
    await keytar.deletePassword(`${world.service}.sandbox`, 'officer')
    // The lock screen's PIN is how the officer finds out; then the set-up is the way in.
    await expect(app.handlers.unlockDesk({ pin: OFFICER.pin })).rejects.toMatchObject({
      code: 'credentials_lost',
    })
    const sent = world.simulator.requests.length
    for (let tries = 0; tries < 2; tries++)
      expect(await ipc.dispatch('setUpCredentials', PROD, {})).toMatchObject({
        ok: false,
        error: { code: 'other_officer' },
      })
    // Refused before anything is sent or saved; after three, the next try waits, the right one too.
    expect(world.simulator.requests.length).toBe(sent)
    expect((await keychainEntries(world.service)).officer).toBeNull()
    expect(await ipc.dispatch('setUpCredentials', OFFICER, {})).toMatchObject({
      ok: false,
      error: { code: 'unlock_wait' },
    })
    expect(app.lock.locked()).toBe(true)
    clock.advance(5000)
    expect(await ipc.dispatch('setUpCredentials', OFFICER, {})).toMatchObject({ ok: true })
    expect(app.lock.locked()).toBe(false)
    expect((await lockEntries(app)).slice(1)).toEqual([
      ['unlock_failed', 'no_credentials', OFFICER.username],
      ['unlock_failed', 'other_officer', OFFICER.username],
      ['unlock_failed', 'other_officer', OFFICER.username],
      ['unlocked', 'set_up_again', OFFICER.username],
    ])
    await app.close()
  })

  it('with no credentials anywhere, still locks while it holds signers’ data, and opens to the same officer set up again', async () => {
    const { app, clock } = await desk()
    app.start()
    // Forgetting them is the officer's own act, while open: the lock stays, now for a set-up.
    await app.handlers.forgetCredentials(undefined)
    expect(await app.handlers.getLockState(undefined)).toEqual({
      locked: false,
      officer: OFFICER.username,
      unlockWith: 'set_up',
      touchId: false,
    })
    clock.advance(5 * MINUTE)
    // It looks at the case book first: the lock comes a moment later.
    await expect.poll(() => app.lock.locked()).toBe(true)
    expect(app.refuse('getCaseBook')?.code).toBe('desk_locked')
    await expect(app.handlers.unlockDesk({ pin: OFFICER.pin })).rejects.toMatchObject({
      code: 'credentials_lost',
    })
    await app.handlers.setUpCredentials(OFFICER)
    expect(app.lock.locked()).toBe(false)
    expect(await lockEntries(app)).toEqual([
      ['locked', 'idle', OFFICER.username],
      ['unlock_failed', 'no_credentials', OFFICER.username],
      ['unlocked', 'set_up_again', OFFICER.username],
    ])
    await app.close()

    // Gone while the app was closed: the next start locks, for a set-up of the same officer.
    await keytar.deletePassword(`${world.service}.sandbox`, 'officer')
    const restarted = servicesFor(world.dataDir, world.service, world.simulator.url)
    restarted.start()
    expect(await restarted.handlers.getLockState(undefined)).toMatchObject({
      locked: true,
      officer: OFFICER.username,
      unlockWith: 'set_up',
    })
    // Journaled with the start's work, a moment after the lock screen has its answer.
    await expect
      .poll(async () => (await lockEntries(restarted)).at(-1), { timeout: 5000 })
      .toEqual(['locked', 'start', OFFICER.username])
    expect(await restarted.handlers.lockDesk(undefined)).toMatchObject({ locked: true })
    await restarted.close()
  })

  it('with no credentials and no case, guards media or a capture left on disk, and a bare desk not at all', async () => {
    for (const folder of ['video-cache/videos', 'captures/sandbox-16673']) {
      const dataDir = newDataDir()
      mkdirSync(path.join(dataDir, folder), { recursive: true })
      writeFileSync(path.join(dataDir, folder, 'sealed'), 'x')
      const app = servicesFor(dataDir, world.service, world.simulator.url)
      expect(await app.handlers.getLockState(undefined), folder).toMatchObject({
        locked: true,
        unlockWith: 'set_up',
      })
      await app.close()
      await keytar.deletePassword(`${world.service}.lock`, 'desk-lock')
    }
    const bare = servicesFor(newDataDir(), world.service, world.simulator.url)
    expect(await bare.handlers.getLockState(undefined)).toMatchObject({ locked: false })
    await expect(bare.handlers.lockDesk(undefined)).rejects.toMatchObject({ code: 'credentials_missing' })
    await bare.close()
  })

  it('keeps the set-up shut while the credentials are there: the PIN is the way in', async () => {
    const { app } = await desk()
    await app.handlers.lockDesk(undefined)
    expect(app.refuse('setUpCredentials')?.code).toBe('desk_locked')
    await expect(app.lock.setUpAgain(OFFICER.username, async () => 'never')).rejects.toMatchObject({
      code: 'desk_locked',
    })
    await app.close()
  })
})
