import { readdirSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { eachTestWorld, servicesFor } from '../vault/fixtures'
import { LUCIA, withCases } from './cases'

// The start's purge begins a moment after the window's first answer (the lock screen), so that a book of
// years is read while the officer types the PIN; a desk quit before that still purges, at close.
const world = eachTestWorld()
const videos = () =>
  readdirSync(path.join(world.dataDir, 'video-cache', 'videos')).filter((name) => name.endsWith('.video.enc'))

/** A desk whose one saved video belongs to a case final since 3 November, kept 7 days. */
async function expiredAfterSeventhDay() {
  let clock = new Date('2026-11-02T09:00:00Z')
  const cases = await withCases(world, () => clock)
  await cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
  expect(await cases.settled(LUCIA.videoidPk)).toMatchObject({ status: 'ready' })
  cases.app.handlers.saveSettings({ videoRetentionDays: 7 })
  const lucia = world.simulator.state.cases.get(LUCIA.videoidPk)
  if (!lucia) throw new Error('the simulator’s seed changed')
  lucia.status = 'CANCELLED'
  clock = new Date('2026-11-03T09:00:00Z')
  await cases.app.handlers.syncCases(undefined)
  await cases.app.close()
  expect(videos()).toHaveLength(1)
}
const later = () => new Date('2026-11-20T09:00:00Z')
const restarted = () =>
  servicesFor(world.dataDir, world.service, world.simulator.url, undefined, { now: later })

describe('the start’s purge', () => {
  it('runs within two seconds of the lock screen’s answer, while the desk is locked', async () => {
    await expiredAfterSeventhDay()
    const app = restarted()
    app.start()
    expect((await app.handlers.getLockState(undefined)).locked).toBe(true)
    const asked = performance.now()
    await expect.poll(() => videos().length, { timeout: 4000, interval: 50 }).toBe(0)
    expect(performance.now() - asked).toBeLessThan(2000)
    await app.close()
  })

  it('runs at close when the desk is quit before its start’s work began', async () => {
    await expiredAfterSeventhDay()
    const app = restarted()
    app.start()
    await new Promise((resolve) => setTimeout(resolve, 300))
    await app.close()
    expect(videos()).toHaveLength(0)
  })
})
