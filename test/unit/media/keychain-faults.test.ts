import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import keytar from '@github/keytar'
import { describe, expect, it } from 'vitest'
import type { Keychain } from '../../../main/vault/keychain'
import { VIDEOS } from '../../simulator/seed'
import { filesUnder } from '../../support/plaintext-scan'
import { eachTestWorld, servicesFor } from '../vault/fixtures'
import { JAVIER, LUCIA } from './cases'

// The media key's keychain failing in the ways a real one does between two good reads: locked (at the
// app's start, say), or a read that fails outright. Keytar behind a switch, with the messages libsecret
// gives; the failures themselves, on a real Secret Service, are in test/unit/vault/keychain-failures.
const world = eachTestWorld()
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const png = (text: string) => Buffer.concat([PNG, Buffer.from(text)])

/** The keychain, whose media key can be made to fail: `locked`, or `failing` (reads only). */
function switchableKeychain() {
  const media = { locked: false, failing: false }
  const isMedia = (account: string) => account === 'media-key'
  const keychain: Keychain = {
    getPassword: (service, account) => {
      if (isMedia(account) && media.locked)
        return Promise.reject(new Error('Cannot get secret of a locked object'))
      if (isMedia(account) && media.failing)
        return Promise.reject(new Error('Error calling StartServiceByName: Timeout was reached'))
      return keytar.getPassword(service, account)
    },
    setPassword: (service, account, value) =>
      isMedia(account) && media.locked
        ? Promise.reject(new Error('Cannot create an item in a locked collection'))
        : keytar.setPassword(service, account, value),
    deletePassword: (service, account) => keytar.deletePassword(service, account),
  }
  return { keychain, media }
}

async function desk(keychain: Keychain, now?: () => Date) {
  const app = servicesFor(world.dataDir, world.service, world.simulator.url, undefined, {
    keychain,
    ...(now ? { now } : {}),
  })
  await app.handlers.addCases({
    text: [LUCIA, JAVIER].map((item) => `${item.videoidPk},${item.requestPk}`).join('\n'),
  })
  return app
}

const snapshotsDir = () => path.join(world.dataDir, 'video-cache', 'snapshots')
const folderOf = (videoidPk: number) =>
  path.join(snapshotsDir(), readdirSync(snapshotsDir()).find((name) => name.endsWith(`-${videoidPk}`)) ?? '')

describe('the media key’s keychain failing', () => {
  it('locked at start: the purge deletes what has expired, and plain snapshots are sealed once it opens', async () => {
    let clock = new Date('2026-11-02T09:00:00Z')
    const { keychain, media } = switchableKeychain()
    const app = await desk(keychain, () => clock)
    app.handlers.saveSettings({ videoRetentionDays: 7 })
    for (const [videoidPk, text] of [
      [LUCIA.videoidPk, 'Lucía'],
      [JAVIER.videoidPk, 'Javier'],
    ] as const)
      await app.handlers.saveSnapshot({ videoidPk, videoTimeSeconds: 1, png: png(text).toString('base64') })
    // Lucía's case final a week and more; Javier's snapshot plain, as before the cache was sealed.
    const lucia = world.simulator.state.cases.get(LUCIA.videoidPk)
    if (!lucia) throw new Error('the simulator’s seed changed')
    lucia.status = 'CANCELLED'
    await app.handlers.syncCases(undefined)
    clock = new Date('2026-11-10T09:00:00Z')
    const javier = folderOf(JAVIER.videoidPk)
    const [sealed = ''] = readdirSync(javier).filter((name) => name.endsWith('.png.enc'))
    rmSync(path.join(javier, sealed))
    writeFileSync(path.join(javier, sealed.replace(/\.enc$/, '')), png('Javier'))

    media.locked = true
    expect(await app.video.purge()).toBe(1) // Lucía's snapshots
    expect(readdirSync(snapshotsDir()).filter((name) => name.endsWith(`-${LUCIA.videoidPk}`))).toEqual([])
    // Still plain, and not listed, while the keychain stays locked: the listing itself still answers.
    expect(await app.handlers.listSnapshots({ videoidPk: JAVIER.videoidPk })).toEqual([])
    expect(readdirSync(javier).filter((name) => name.endsWith('.png'))).toHaveLength(1)

    media.locked = false
    const [listed] = await app.handlers.listSnapshots({ videoidPk: JAVIER.videoidPk })
    expect(await app.video.snapshot(JAVIER.videoidPk, listed?.id ?? '')).toEqual(png('Javier'))
    expect(filesUnder(javier).filter((file) => file.endsWith('.png'))).toEqual([])
    await app.close()
  })

  it('a read that fails is not a key that is missing: no new key, nothing purged, all there once it reads again', async () => {
    const { keychain, media } = switchableKeychain()
    const app = await desk(keychain)
    for (const videoidPk of [LUCIA.videoidPk, JAVIER.videoidPk]) {
      await app.handlers.openVideo({ videoidPk })
      await expect
        .poll(async () => (await app.handlers.openVideo({ videoidPk })).state.status, { timeout: 10_000 })
        .toBe('ready')
    }
    await app.handlers.saveSnapshot({
      videoidPk: LUCIA.videoidPk,
      videoTimeSeconds: 1,
      png: png('a').toString('base64'),
    })
    const key = await keytar.getPassword(`${world.service}.media`, 'media-key')
    const cache = filesUnder(path.join(world.dataDir, 'video-cache')).sort()

    media.failing = true
    await expect(app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })).rejects.toMatchObject({
      code: 'keychain_error',
    })
    await expect(
      app.handlers.saveSnapshot({
        videoidPk: JAVIER.videoidPk,
        videoTimeSeconds: 1,
        png: png('b').toString('base64'),
      }),
    ).rejects.toMatchObject({ code: 'keychain_error' })
    expect(await keytar.getPassword(`${world.service}.media`, 'media-key')).toBe(key)
    expect(filesUnder(path.join(world.dataDir, 'video-cache')).sort()).toEqual(cache)

    media.failing = false
    for (const [videoidPk, video] of [
      [LUCIA.videoidPk, VIDEOS.a],
      [JAVIER.videoidPk, VIDEOS.b],
    ] as const) {
      const opened = await app.handlers.openVideo({ videoidPk })
      expect(opened).toEqual({
        url: `rao-media://media/case/${videoidPk}/video`,
        state: { status: 'ready', bytes: readFileSync(video).length },
      })
    }
    expect(await app.handlers.listSnapshots({ videoidPk: LUCIA.videoidPk })).toHaveLength(1)
    await app.close()
  })
})
