import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import keytar from '@github/keytar'
import { describe, expect, it } from 'vitest'
import { eachTestWorld, OFFICER, servicesFor } from '../vault/fixtures'
import { desk as deskIn, type FakeClock, fakeClock, lockEntries, lockRecord } from './desk'

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
      retryAt: clock.now() + 5000,
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

  it('caps a stored next-try time at what the failures call for, so a clock set back cannot lock the officer out', async () => {
    const clock = fakeClock()
    const { app } = await desk({ clock })
    await app.handlers.lockDesk(undefined)
    await wrongTries(app, clock, 4)
    await app.close()
    // The record asks for the 10 s of four failures from the wall clock then; set back a day, that
    // reads as a day and 10 s from now.
    clock.setWallBy(-24 * HOUR)
    const restarted = restart(clock)
    expect((await restarted.lock.state()).retryAt).toBe(new Date(clock.now() + 10_000).toISOString())
    clock.advance(10_000)
    expect(await restarted.handlers.unlockDesk({ pin: OFFICER.pin })).toMatchObject({ locked: false })
    await restarted.close()
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
