import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import keytar from '@github/keytar'
import { describe, expect, it } from 'vitest'
import { eachTestWorld, OFFICER, servicesFor } from '../vault/fixtures'
import { desk as deskIn, type FakeClock, lockEntries, lockRecord } from './desk'

// The lock's record lives in the keychain, beside the credentials, and fails closed: no file opens the
// desk, and no clock set back or forward buys tries. The keychain is real; the clock is a fake.
const world = eachTestWorld()
const desk = (options?: Parameters<typeof deskIn>[1]) => deskIn(world, options)
const HOUR = 3600_000

const restart = (clock?: FakeClock) =>
  servicesFor(world.dataDir, world.service, world.simulator.url, undefined, clock ? { clock } : {})
const settingsFile = () => path.join(world.dataDir, 'settings.json')

/** Wrong tries, each after the wait the one before it called for. */
async function wrongTries(app: ReturnType<typeof servicesFor>, clock: FakeClock, count: number) {
  for (let tries = 0; tries < count; tries++) {
    const retryAt = (await app.lock.state()).retryAt
    if (retryAt) clock.advance(Date.parse(retryAt) - clock.now())
    await expect(app.handlers.unlockDesk({ pin: '11111111' })).rejects.toMatchObject({
      code: 'wrong_pin',
    })
  }
}

describe('the lock’s record', () => {
  it('stays locked, and keeps its wait, across a restart', async () => {
    const { app, clock } = await desk()
    await app.handlers.lockDesk(undefined)
    await wrongTries(app, clock, 3)
    await app.close()
    expect(await lockRecord(world.service)).toEqual({
      locked: true,
      failures: 3,
      waitMs: 5000,
      officer: OFFICER.username,
    })

    const restarted = restart(clock)
    expect(restarted.lock.locked()).toBe(true)
    expect(restarted.refuse('getCaseBook')?.code).toBe('desk_locked')
    await expect(restarted.handlers.unlockDesk({ pin: OFFICER.pin })).rejects.toMatchObject({
      code: 'unlock_wait',
    })
    clock.advance(5000)
    expect(await restarted.handlers.unlockDesk({ pin: OFFICER.pin })).toMatchObject({ locked: false })
    await restarted.close()
  })

  it('starts locked, whatever it was left as: quitting unlocked opens nothing at the next start', async () => {
    // The first set-up of a new desk does not lock: the officer just proved the credentials.
    const { app } = await desk()
    expect(await app.handlers.getLockState(undefined)).toMatchObject({ locked: false })
    await app.close()
    expect(await lockRecord(world.service)).toMatchObject({ locked: false })

    const restarted = restart()
    expect(await restarted.handlers.getLockState(undefined)).toMatchObject({
      locked: true,
      officer: OFFICER.username,
      unlockWith: 'pin',
    })
    expect(restarted.refuse('getCaseBook')?.code).toBe('desk_locked')
    await restarted.handlers.unlockDesk({ pin: OFFICER.pin })
    // The start's lock is journaled behind the lock screen's answer, and before whatever follows it.
    expect(await lockEntries(restarted)).toEqual([
      ['locked', 'start', OFFICER.username],
      ['unlocked', 'pin', OFFICER.username],
    ])
    await restarted.handlers.lockDesk(undefined)
    await restarted.close()
    // Left locked: the next start adds no lock of its own.
    const again = restart()
    expect(await again.handlers.getLockState(undefined)).toMatchObject({ locked: true })
    expect((await lockEntries(again)).map(([event, cause]) => `${event} ${cause}`)).toEqual([
      'locked start',
      'unlocked pin',
      'locked on_demand',
    ])
    await again.close()
  })

  it('is not in settings.json: editing or deleting that file opens nothing and forgives nothing', async () => {
    const { app, clock } = await desk()
    await app.handlers.lockDesk(undefined)
    await wrongTries(app, clock, 3)
    await app.close()

    // An old-style record saying "open, no failures" in the settings file: ignored.
    const settings = JSON.parse(readFileSync(settingsFile(), 'utf8'))
    writeFileSync(settingsFile(), JSON.stringify({ ...settings, deskLock: { locked: false, failures: 0 } }))
    const edited = restart(clock)
    expect(await edited.handlers.getLockState(undefined)).toMatchObject({ locked: true })
    await expect(edited.handlers.unlockDesk({ pin: OFFICER.pin })).rejects.toMatchObject({
      code: 'unlock_wait',
    })
    await edited.close()

    // The settings file gone altogether: still locked, still waiting, and the gate refuses a decision.
    rmSync(settingsFile())
    const bare = restart(clock)
    expect(await bare.handlers.getLockState(undefined)).toMatchObject({
      locked: true,
      officer: OFFICER.username,
    })
    expect(bare.refuse('decide')?.code).toBe('desk_locked')
    await expect(bare.handlers.unlockDesk({ pin: OFFICER.pin })).rejects.toMatchObject({
      code: 'unlock_wait',
    })
    expect(world.simulator.decisions).toEqual([])
    await bare.close()
  })

  it('fails closed: a record missing or unreadable while credentials exist means locked', async () => {
    const { app } = await desk()
    expect(await app.handlers.getLockState(undefined)).toMatchObject({ locked: false })
    await app.close()
    for (const spoil of [
      () => keytar.deletePassword(`${world.service}.lock`, 'desk-lock'),
      () => keytar.setPassword(`${world.service}.lock`, 'desk-lock', '{"locked":fal'),
      () => keytar.setPassword(`${world.service}.lock`, 'desk-lock', '{"locked":"no","failures":0}'),
    ]) {
      await spoil()
      const restarted = restart()
      expect(await restarted.handlers.getLockState(undefined)).toMatchObject({
        locked: true,
        officer: OFFICER.username,
      })
      expect(restarted.refuse('decide')?.code).toBe('desk_locked')
      await restarted.handlers.unlockDesk({ pin: OFFICER.pin })
      await restarted.close()
    }
  })

  it('measures the wait on a clock that only moves forward: a clock set back or forward changes nothing', async () => {
    const { app, clock } = await desk()
    await app.handlers.lockDesk(undefined)
    await wrongTries(app, clock, 3)
    // Set back a day: the right PIN is compared once the 5 s are over, not a day later.
    clock.setWallBy(-24 * HOUR)
    expect((await app.lock.state()).retryAt).toBe(new Date(clock.now() + 5000).toISOString())
    clock.advance(5000)
    await wrongTries(app, clock, 1)
    // Forward two days: the 10 s wait still holds.
    clock.setWallBy(48 * HOUR)
    await expect(app.handlers.unlockDesk({ pin: OFFICER.pin })).rejects.toMatchObject({
      code: 'unlock_wait',
    })
    clock.advance(9999)
    await expect(app.handlers.unlockDesk({ pin: OFFICER.pin })).rejects.toMatchObject({
      code: 'unlock_wait',
    })
    clock.advance(1)
    expect(await app.handlers.unlockDesk({ pin: OFFICER.pin })).toMatchObject({ locked: false })
    await app.close()
  })

  it('keeps the whole wait across a restart, measured from the start: a clock set forward before it shortens nothing', async () => {
    const { app, clock } = await desk()
    await app.handlers.lockDesk(undefined)
    await wrongTries(app, clock, 3)
    await app.close()
    clock.setWallBy(HOUR)
    const restarted = restart(clock)
    await expect(restarted.handlers.unlockDesk({ pin: OFFICER.pin })).rejects.toMatchObject({
      code: 'unlock_wait',
    })
    clock.advance(4999)
    await expect(restarted.handlers.unlockDesk({ pin: OFFICER.pin })).rejects.toMatchObject({
      code: 'unlock_wait',
    })
    clock.advance(1)
    expect(await restarted.handlers.unlockDesk({ pin: OFFICER.pin })).toMatchObject({ locked: false })
    await restarted.close()
  })

  it('keeps what is left of the wait when closed, and caps a stored wait at what the failures call for', async () => {
    const { app, clock } = await desk()
    await app.handlers.lockDesk(undefined)
    await wrongTries(app, clock, 3)
    clock.advance(3000)
    await app.close()
    expect(await lockRecord(world.service)).toMatchObject({ failures: 3, waitMs: 2000 })
    const restarted = restart(clock)
    expect((await restarted.lock.state()).retryAt).toBe(new Date(clock.now() + 2000).toISOString())
    await restarted.close()

    // A record asking for more than four failures call for (10 s) waits no longer than that.
    await keytar.setPassword(
      `${world.service}.lock`,
      'desk-lock',
      JSON.stringify({ locked: true, failures: 4, waitMs: 24 * HOUR, officer: OFFICER.username }),
    )
    const capped = restart(clock)
    expect((await capped.lock.state()).retryAt).toBe(new Date(clock.now() + 10_000).toISOString())
    clock.advance(10_000)
    expect(await capped.handlers.unlockDesk({ pin: OFFICER.pin })).toMatchObject({ locked: false })
    await capped.close()
  })

  it('after ten wrong tries opens only with the RAO password and the PIN, compared in main', async () => {
    const { app, clock, events } = await desk()
    await app.handlers.lockDesk(undefined)
    await wrongTries(app, clock, 9)
    expect((await app.lock.state()).unlockWith).toBe('pin')
    await wrongTries(app, clock, 1)
    expect(events.filter((event) => event.name === 'lockChanged').at(-1)?.payload).toMatchObject({
      locked: true,
      unlockWith: 'password_and_pin',
    })
    const waitOut = async () => {
      const retryAt = (await app.lock.state()).retryAt
      if (retryAt) clock.advance(Date.parse(retryAt) - clock.now())
    }
    // The right PIN alone no longer opens, nor with a wrong password; each counts and waits longer.
    await waitOut()
    await expect(app.handlers.unlockDesk({ pin: OFFICER.pin })).rejects.toMatchObject({
      code: 'wrong_password_or_pin',
    })
    await waitOut()
    await expect(
      app.handlers.unlockDesk({ pin: OFFICER.pin, password: `${OFFICER.password}x` }),
    ).rejects.toMatchObject({ code: 'wrong_password_or_pin' })
    await waitOut()
    await expect(
      app.handlers.unlockDesk({ pin: '11111111', password: OFFICER.password }),
    ).rejects.toMatchObject({ code: 'wrong_password_or_pin' })
    expect(await lockRecord(world.service)).toMatchObject({ locked: true, failures: 13 })
    // A restart does not forget it.
    await app.close()
    const restarted = restart(clock)
    expect(await restarted.handlers.getLockState(undefined)).toMatchObject({ unlockWith: 'password_and_pin' })
    const retryAt = (await restarted.lock.state()).retryAt
    if (retryAt) clock.advance(Date.parse(retryAt) - clock.now())
    const sent = world.simulator.requests.length
    expect(
      await restarted.handlers.unlockDesk({ pin: OFFICER.pin, password: OFFICER.password }),
    ).toMatchObject({ locked: false, unlockWith: 'pin' })
    expect(world.simulator.requests.length).toBe(sent)
    const entries = await lockEntries(restarted)
    expect(entries.slice(-4)).toEqual([
      ['unlock_failed', 'wrong_password_or_pin', OFFICER.username],
      ['unlock_failed', 'wrong_password_or_pin', OFFICER.username],
      ['unlock_failed', 'wrong_password_or_pin', OFFICER.username],
      ['unlocked', 'password_and_pin', OFFICER.username],
    ])
    expect(restarted.lines.join('\n')).not.toContain(OFFICER.password)
    await restarted.close()
  })
})
