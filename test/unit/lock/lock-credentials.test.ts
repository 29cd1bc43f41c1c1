import keytar from '@github/keytar'
import { describe, expect, it } from 'vitest'
import { bindServices } from '../../../main/bindings'
import { createLogger } from '../../../main/log'
import { startSimulator } from '../../simulator/server'
import { FULL_CHECKLIST } from '../decisions/checklist'
import { eachTestWorld, keychainEntries, OFFICER, servicesFor } from '../vault/fixtures'
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
  it('stays locked, says so, and opens only once the credentials set up again are verified', async () => {
    const { app } = await desk()
    const { ipc } = bindServices(app, {
      isTrustedSender: () => true,
      log: createLogger(() => undefined),
      media: {},
    })
    await app.handlers.lockDesk(undefined)
    await keytar.deletePassword(`${world.service}.sandbox`, 'officer')

    // Any PIN, the right one too, is refused: there is nothing to compare it with.
    for (const pin of [OFFICER.pin, '0000'])
      expect(await ipc.dispatch('unlockDesk', { pin }, {})).toMatchObject({
        ok: false,
        error: { code: 'credentials_lost' },
      })
    expect(await app.handlers.getLockState(undefined)).toEqual({
      locked: true,
      officer: '',
      unlockWith: 'set_up',
      touchId: false,
    })
    // Only the set-up passes the gate; the work stays shut.
    for (const name of ['getCaseBook', 'getJournal', 'updateCredentials', 'getCredentialStatus'] as const)
      expect(app.refuse(name)?.code, name).toBe('desk_locked')
    expect(app.refuse('setUpCredentials')).toBeUndefined()

    // Credentials the Optimizer refuses: nothing saved, still locked.
    expect(
      await ipc.dispatch('setUpCredentials', { ...OFFICER, password: `${OFFICER.password}x` }, {}),
    ).toMatchObject({ ok: false, error: { code: 'invalid_credentials' } })
    // The Optimizer out of reach: the credentials cannot be checked, so nothing is saved, still locked.
    const port = Number(new URL(world.simulator.url).port)
    await world.simulator.close()
    expect(await ipc.dispatch('setUpCredentials', OFFICER, {})).toMatchObject({
      ok: false,
      error: { code: 'unreachable' },
    })
    expect(app.lock.locked()).toBe(true)
    expect((await keychainEntries(world.service)).officer).toBeNull()
    // A PIN never opens it meanwhile, nor does a restart.
    await app.close()
    const restarted = servicesFor(world.dataDir, world.service, world.simulator.url)
    expect(await restarted.handlers.getLockState(undefined)).toMatchObject({
      locked: true,
      unlockWith: 'set_up',
    })
    await expect(restarted.handlers.unlockDesk({ pin: OFFICER.pin })).rejects.toMatchObject({
      code: 'credentials_lost',
    })

    // Back online, the Optimizer verifies them: the desk opens, and the journal says how.
    world.simulator = await startSimulator({ port, raos: [OFFICER] })
    const { ipc: restartedIpc } = bindServices(restarted, {
      isTrustedSender: () => true,
      log: createLogger(() => undefined),
      media: {},
    })
    expect(await restartedIpc.dispatch('setUpCredentials', OFFICER, {})).toMatchObject({
      ok: true,
      value: { check: 'verified' },
    })
    expect(await restarted.handlers.getLockState(undefined)).toMatchObject({
      locked: false,
      officer: OFFICER.username,
    })
    expect((await lockEntries(restarted)).at(-1)).toEqual(['unlocked', 'set_up_again', OFFICER.username])
    expect((await approveLucia(restarted)).case.status).toBe('ENROLLREADY')
    await restarted.close()
  })

  it('keeps the set-up shut while the credentials are there: the PIN is the way in', async () => {
    const { app } = await desk()
    await app.handlers.lockDesk(undefined)
    expect(app.refuse('setUpCredentials')?.code).toBe('desk_locked')
    await expect(app.lock.setUpAgain(async () => 'never')).rejects.toMatchObject({ code: 'desk_locked' })
    await app.close()
  })
})
