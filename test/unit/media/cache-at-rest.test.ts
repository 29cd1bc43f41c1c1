import { execFileSync } from 'node:child_process'
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import path from 'node:path'
import keytar from '@github/keytar'
import { describe, expect, it } from 'vitest'
import { VIDEOS, writeVideoWithIndexFar } from '../../simulator/seed'
import { filesUnder, plaintextIn } from '../../support/plaintext-scan'
import { eachTestWorld, servicesFor } from '../vault/fixtures'
import { type Cases, JAVIER, LUCIA, withCases } from './cases'
import { sealVersion1, storedMediaKey } from './version1'

// Videos and snapshots at rest: what lies in the cache folder, and what becomes of a damaged copy, a lost
// media key and files from before the cache was sealed. The geometry, by hand: a 92-byte header, then
// chunks of 64 KiB of plaintext, each sealed with a 12-byte nonce before it and a 16-byte tag after it.
const HEADER = 92
const CHUNK = 64 * 1024
const SEALED_CHUNK = CHUNK + 28
const world = eachTestWorld()
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const png = (text: string) => Buffer.concat([PNG_SIGNATURE, Buffer.from(text)]).toString('base64')
const cacheDir = () => path.join(world.dataDir, 'video-cache')
const videosDir = () => path.join(cacheDir(), 'videos')
/** A case's saved video file, as the cache names it (`<scope>-<pk>.video.enc`). */
const savedVideo = (videoidPk: number) => {
  const name = readdirSync(videosDir()).find((candidate) => candidate.endsWith(`-${videoidPk}.video.enc`))
  if (!name) throw new Error(`no saved video for ${videoidPk}`)
  return path.join(videosDir(), name)
}
const body = async (response: Response) => Buffer.from(await response.arrayBuffer())

/** An 8 MB MP4, index last: some 130 chunks, most of them zeros in the clear. */
function largeVideo(): Buffer {
  const file = path.join(world.dataDir, 'large.mp4')
  writeVideoWithIndexFar(file)
  world.simulator.attachVideo(LUCIA.videoidPk, file)
  return readFileSync(file)
}

async function downloaded(cases: Cases, videoidPk: number, bytes: number) {
  const from = cases.states.length
  await cases.app.handlers.openVideo({ videoidPk })
  expect(await cases.settled(videoidPk, from)).toEqual({ status: 'ready', bytes })
}

describe('the video cache at rest', () => {
  it('keeps nothing of a video or a snapshot in the clear, and still serves both', async () => {
    const cases = await withCases(world)
    const large = largeVideo()
    const small = readFileSync(VIDEOS.b)
    await downloaded(cases, LUCIA.videoidPk, large.length)
    await downloaded(cases, JAVIER.videoidPk, small.length)
    const snapshot = await cases.app.handlers.saveSnapshot({
      videoidPk: LUCIA.videoidPk,
      videoTimeSeconds: 1.5,
      png: png('a frame of the signer'),
    })
    await cases.app.handlers.saveSnapshot({ videoidPk: JAVIER.videoidPk, videoTimeSeconds: 2, png: png('x') })

    expect(filesUnder(cacheDir())).toHaveLength(2 + 2 * 2) // two videos; two snapshots and their records
    expect(plaintextIn(cacheDir(), [large, small])).toEqual([])
    expect((await body(await cases.get('/case/16673/video'))).equals(large)).toBe(true)
    expect(
      (await body(await cases.get('/case/16673/video', 'bytes=5000000-5100000'))).equals(
        large.subarray(5_000_000, 5_100_001),
      ),
    ).toBe(true)
    expect(
      (await body(await cases.get(new URL(snapshot.url).pathname))).equals(
        Buffer.from(png('a frame of the signer'), 'base64'),
      ),
    ).toBe(true)
    await cases.app.close()
  })

  it('a flipped bit: the range over it ends with an error, the damage is told, and opening again downloads afresh', async () => {
    const cases = await withCases(world)
    const large = largeVideo()
    await downloaded(cases, LUCIA.videoidPk, large.length)
    const file = savedVideo(LUCIA.videoidPk)
    const sealed = readFileSync(file)
    const at = HEADER + 5 * SEALED_CHUNK + 1000 // inside chunk 5: plaintext bytes 327,680 to 393,215
    sealed[at] = (sealed[at] ?? 0) ^ 0x01
    writeFileSync(file, sealed)

    // A range elsewhere opens only its own chunks, and plays.
    const before = await cases.get('/case/16673/video', 'bytes=100000-200000')
    expect((await body(before)).equals(large.subarray(100_000, 200_001))).toBe(true)
    const from = cases.states.length
    const over = await cases.get('/case/16673/video', 'bytes=300000-400000')
    expect(over.status).toBe(206)
    await expect(over.arrayBuffer()).rejects.toThrow()
    expect(await cases.settled(LUCIA.videoidPk, from)).toMatchObject({
      status: 'failed',
      error: { code: 'media_damaged' },
    })
    // Found damaged, the copy serves nothing more, not even the ranges that played before.
    expect((await cases.get('/case/16673/video', 'bytes=100000-200000')).status).toBe(500)
    // Damage is never played: the next open downloads the video again, and that copy is whole.
    const reopened = cases.states.length
    const again = await cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    expect(again.state.status).toBe('downloading')
    expect(await cases.settled(LUCIA.videoidPk, reopened)).toEqual({
      status: 'ready',
      bytes: large.length,
    })
    expect((await body(await cases.get('/case/16673/video'))).equals(large)).toBe(true)
    await cases.app.close()
  })

  it('a file cut short is found damaged when it opens, and is downloaded again when asked', async () => {
    const cases = await withCases(world)
    const large = largeVideo()
    await downloaded(cases, LUCIA.videoidPk, large.length)
    const file = savedVideo(LUCIA.videoidPk)
    const whole = readFileSync(file).length
    truncateSync(file, whole - ((whole - HEADER) % SEALED_CHUNK)) // the short last chunk gone, at a boundary
    const opened = await cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    expect(opened.state).toMatchObject({ status: 'failed', error: { code: 'media_damaged' } })
    expect((await cases.get('/case/16673/video')).status).toBe(500)
    await downloaded(cases, LUCIA.videoidPk, large.length)
    expect((await body(await cases.get('/case/16673/video'))).equals(large)).toBe(true)
    await cases.app.close()
  })

  it('a file cut while it is read: the chunks it no longer holds end the response as damaged', async () => {
    const cases = await withCases(world)
    const large = largeVideo()
    await downloaded(cases, LUCIA.videoidPk, large.length)
    const source = await cases.app.video.source(LUCIA.videoidPk)
    // Read once whole, so the reader's buffers have held every chunk before.
    expect(
      (await new Response(source?.stream({ start: 0, end: 8 * CHUNK - 1 })).arrayBuffer()).byteLength,
    ).toBe(8 * CHUNK)
    truncateSync(savedVideo(LUCIA.videoidPk), HEADER + 2 * SEALED_CHUNK + 100)
    const cut = new Response(source?.stream({ start: 0, end: 8 * CHUNK - 1 }))
    await expect(cut.arrayBuffer()).rejects.toMatchObject({ code: 'media_damaged' })
    await cases.app.close()
  })

  it('two swapped chunks: the range over them ends with an error', async () => {
    const cases = await withCases(world)
    const large = largeVideo()
    await downloaded(cases, LUCIA.videoidPk, large.length)
    const file = savedVideo(LUCIA.videoidPk)
    const sealed = readFileSync(file)
    const chunk = (index: number) =>
      Buffer.from(sealed.subarray(HEADER + index * SEALED_CHUNK, HEADER + (index + 1) * SEALED_CHUNK))
    const [second, third] = [chunk(2), chunk(3)]
    third.copy(sealed, HEADER + 2 * SEALED_CHUNK)
    second.copy(sealed, HEADER + 3 * SEALED_CHUNK)
    writeFileSync(file, sealed)
    expect(
      (await body(await cases.get('/case/16673/video', 'bytes=0-100000'))).equals(large.subarray(0, 100_001)),
    ).toBe(true)
    const over = await cases.get('/case/16673/video', `bytes=${2 * CHUNK}-${4 * CHUNK - 1}`)
    await expect(over.arrayBuffer()).rejects.toThrow()
    await cases.app.close()
  })

  it('the media key gone from the keychain: the next open deletes what it sealed, says so, and downloads again', async () => {
    const cases = await withCases(world)
    const source = readFileSync(VIDEOS.a)
    await downloaded(cases, LUCIA.videoidPk, source.length)
    await downloaded(cases, JAVIER.videoidPk, readFileSync(VIDEOS.b).length)
    await cases.app.handlers.saveSnapshot({ videoidPk: LUCIA.videoidPk, videoTimeSeconds: 1, png: png('y') })
    expect(await keytar.deletePassword(`${world.service}.media`, 'media-key')).toBe(true)

    const reopened = cases.states.length
    const opened = await cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    expect(opened.lostCopies).toEqual({ videos: 2, snapshots: 1 })
    expect(opened.state.status).toBe('downloading')
    expect(await cases.app.handlers.listSnapshots({ videoidPk: LUCIA.videoidPk })).toEqual([])
    expect(await cases.settled(LUCIA.videoidPk, reopened)).toEqual({
      status: 'ready',
      bytes: source.length,
    })
    expect((await body(await cases.get('/case/16673/video'))).equals(source)).toBe(true)
    // A new key sealed the new copy; the next open finds it whole, and says nothing more.
    expect(await keytar.getPassword(`${world.service}.media`, 'media-key')).not.toBeNull()
    expect(await cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })).toEqual({
      url: opened.url,
      state: { status: 'ready', bytes: source.length },
    })
    expect(readdirSync(videosDir()).filter((name) => name.endsWith('.video.enc'))).toHaveLength(1)
    await cases.app.close()
  })

  it('plain files from before the cache was sealed: at the first start videos go and snapshots are sealed', async () => {
    const cases = await withCases(world)
    const source = readFileSync(VIDEOS.a)
    await downloaded(cases, LUCIA.videoidPk, source.length)
    const kept = await cases.app.handlers.saveSnapshot({
      videoidPk: LUCIA.videoidPk,
      videoTimeSeconds: 1,
      png: png('kept before the upgrade'),
    })
    await cases.app.close()
    // The same files as an older RAO Desk left them: an MP4 and a PNG, beside their records.
    const video = savedVideo(LUCIA.videoidPk)
    renameSync(video, video.replace(/\.enc$/, ''))
    writeFileSync(video.replace(/\.enc$/, ''), source)
    const sealedSnapshot = filesUnder(cacheDir()).find((file) => file.endsWith(`${kept.id}.png.enc`)) ?? ''
    rmSync(sealedSnapshot)
    writeFileSync(sealedSnapshot.replace(/\.enc$/, ''), Buffer.from(png('kept before the upgrade'), 'base64'))
    expect(plaintextIn(cacheDir(), [source])).not.toEqual([])

    const upgraded = servicesFor(world.dataDir, world.service, world.simulator.url)
    upgraded.start()
    // The page's first answer: the start's work, the purge among it, begins a moment after.
    await upgraded.handlers.getLockState(undefined)
    await expect.poll(() => plaintextIn(cacheDir(), [source]), { timeout: 5000 }).toEqual([])
    await upgraded.close() // waits for the purge under way, which seals the snapshots after the videos
    const [snapshot] = await upgraded.handlers.listSnapshots({ videoidPk: LUCIA.videoidPk })
    expect(await upgraded.video.snapshot(LUCIA.videoidPk, snapshot?.id ?? '')).toEqual(
      Buffer.from(png('kept before the upgrade'), 'base64'),
    )
    expect(await upgraded.handlers.getVideoCache(undefined)).toEqual({ videos: 0, bytes: 0 })
  })

  it('a file copied over another case’s or snapshot’s name does not open there: it is damage, never shown', async () => {
    const cases = await withCases(world)
    await downloaded(cases, LUCIA.videoidPk, readFileSync(VIDEOS.a).length)
    await downloaded(cases, JAVIER.videoidPk, readFileSync(VIDEOS.b).length)
    const keep = (videoidPk: number, text: string) =>
      cases.app.handlers.saveSnapshot({ videoidPk, videoTimeSeconds: 1, png: png(text) })
    const [lucia, luciaLater, javier] = [
      await keep(LUCIA.videoidPk, 'a frame of Lucía'),
      await keep(LUCIA.videoidPk, 'another frame of Lucía'),
      await keep(JAVIER.videoidPk, 'a frame of Javier'),
    ]
    copyFileSync(savedVideo(LUCIA.videoidPk), savedVideo(JAVIER.videoidPk))
    const sealedSnapshot = (id: string) =>
      filesUnder(cacheDir()).find((file) => file.endsWith(`${id}.png.enc`)) ?? ''
    copyFileSync(sealedSnapshot(lucia.id), sealedSnapshot(javier.id))
    copyFileSync(sealedSnapshot(lucia.id), sealedSnapshot(luciaLater.id))

    const opened = await cases.app.handlers.openVideo({ videoidPk: JAVIER.videoidPk })
    expect(opened.state).toMatchObject({ status: 'failed', error: { code: 'media_damaged' } })
    expect((await cases.get('/case/16674/video')).status).toBe(500)
    for (const moved of [javier, luciaLater])
      expect((await cases.get(new URL(moved.url).pathname)).status, moved.id).toBe(500)
    // Where it was sealed, the copied file still opens.
    expect(await body(await cases.get(new URL(lucia.url).pathname))).toEqual(
      Buffer.from(png('a frame of Lucía'), 'base64'),
    )
    await cases.app.close()
  })

  it('files of the format before files were bound to their place: the video goes, the snapshot is sealed again where it lies', async () => {
    const cases = await withCases(world)
    const source = readFileSync(VIDEOS.a)
    await downloaded(cases, LUCIA.videoidPk, source.length)
    const kept = await cases.app.handlers.saveSnapshot({
      videoidPk: LUCIA.videoidPk,
      videoTimeSeconds: 1,
      png: png('kept under version 1'),
    })
    await cases.app.close()
    // The same files as version 1 wrote them, under the same media key.
    const mediaKey = await storedMediaKey(world.service)
    const video = savedVideo(LUCIA.videoidPk)
    writeFileSync(video, sealVersion1(mediaKey, source))
    const snapshotFile = filesUnder(cacheDir()).find((file) => file.endsWith(`${kept.id}.png.enc`)) ?? ''
    writeFileSync(snapshotFile, sealVersion1(mediaKey, Buffer.from(png('kept under version 1'), 'base64')))

    const upgraded = servicesFor(world.dataDir, world.service, world.simulator.url)
    upgraded.start()
    // The page's first answer: the start's work, the purge among it, begins a moment after.
    await upgraded.handlers.getLockState(undefined)
    await expect.poll(() => existsSync(video), { timeout: 5000 }).toBe(false)
    await upgraded.close() // waits for the purge under way, which seals the snapshots after the videos
    expect(await upgraded.handlers.getVideoCache(undefined)).toEqual({ videos: 0, bytes: 0 })
    expect(readFileSync(snapshotFile)[4]).toBe(2)
    expect(await upgraded.video.snapshot(LUCIA.videoidPk, kept.id)).toEqual(
      Buffer.from(png('kept under version 1'), 'base64'),
    )
    expect(plaintextIn(cacheDir(), [source])).toEqual([])
  })

  it('a bit flipped in a chunk while the video downloads: that download stops as damaged, and the next one is whole', async () => {
    const cases = await withCases(world)
    const large = largeVideo()
    world.simulator.setVideoRate(1_000_000) // some eight seconds for the whole
    await cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    // Chunk 5 is on disk once the body is past chunk 6 (the index fetched ahead lies further on).
    const received = () =>
      cases.states.reduce(
        (most, { state }) => (state.status === 'downloading' ? Math.max(most, state.bytes) : most),
        0,
      )
    await expect.poll(received, { timeout: 10_000 }).toBeGreaterThan(7 * CHUNK)
    const part = path.join(videosDir(), readdirSync(videosDir()).find((name) => name.endsWith('.part')) ?? '')
    const sealed = readFileSync(part)
    const at = HEADER + 5 * SEALED_CHUNK + 1000
    const fd = openSync(part, 'r+')
    writeSync(fd, Buffer.from([(sealed[at] ?? 0) ^ 0x01]), 0, 1, at)
    closeSync(fd)

    const from = cases.states.length
    const over = await cases.get('/case/16673/video', 'bytes=300000-400000')
    await expect(over.arrayBuffer()).rejects.toThrow()
    expect(await cases.settled(LUCIA.videoidPk, from)).toMatchObject({
      status: 'failed',
      error: { code: 'media_damaged' },
    })
    world.simulator.setVideoRate(undefined)
    await downloaded(cases, LUCIA.videoidPk, large.length)
    expect((await body(await cases.get('/case/16673/video'))).equals(large)).toBe(true)
    await cases.app.close()
  }, 30_000)

  it('stray entries and a file that cannot be deleted stop neither the lost-key purge nor the retention purge', async () => {
    let clock = new Date('2026-11-02T09:00:00Z')
    const cases = await withCases(world, () => clock)
    await downloaded(cases, LUCIA.videoidPk, readFileSync(VIDEOS.a).length)
    await downloaded(cases, JAVIER.videoidPk, readFileSync(VIDEOS.b).length)
    for (const videoidPk of [LUCIA.videoidPk, JAVIER.videoidPk])
      await cases.app.handlers.saveSnapshot({
        videoidPk,
        videoTimeSeconds: 1,
        png: png(`frame ${videoidPk}`),
      })
    // What a file manager or a backup tool leaves in the cache: a file where folders are, and the reverse.
    const snapshotsDir = path.join(cacheDir(), 'snapshots')
    writeFileSync(path.join(snapshotsDir, '.DS_Store'), 'Finder')
    mkdirSync(path.join(videosDir(), 'stray.video.enc'))
    const [luciaFolder = ''] = readdirSync(snapshotsDir).filter((name) =>
      name.endsWith(`-${LUCIA.videoidPk}`),
    )
    mkdirSync(path.join(snapshotsDir, luciaFolder, '0-00000000.png.enc'))
    // One snapshot that cannot be deleted (immutable, which even root cannot delete).
    const [stuck = ''] = filesUnder(snapshotsDir).filter(
      (file) => file.includes(`-${JAVIER.videoidPk}${path.sep}`) && file.endsWith('.png.enc'),
    )
    const immutable = (on: boolean) => {
      try {
        execFileSync('chattr', [on ? '+i' : '-i', stuck], { stdio: 'ignore' })
        return true
      } catch {
        return false
      }
    }
    const canPin = immutable(true)
    try {
      expect(await keytar.deletePassword(`${world.service}.media`, 'media-key')).toBe(true)
      const opened = await cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
      expect(opened.lostCopies).toEqual({ videos: 2, snapshots: canPin ? 1 : 2 })
      expect(await cases.settled(LUCIA.videoidPk, cases.states.length)).toEqual({
        status: 'ready',
        bytes: readFileSync(VIDEOS.a).length,
      })

      // Both cases final, and past their retention: the purge deletes all it can, past what it cannot.
      await cases.app.handlers.saveSettings({ videoRetentionDays: 1 })
      for (const videoidPk of [LUCIA.videoidPk, JAVIER.videoidPk]) {
        const seeded = world.simulator.state.cases.get(videoidPk)
        if (seeded) seeded.status = 'CANCELLED'
      }
      await cases.app.handlers.syncCases(undefined)
      clock = new Date('2026-11-04T09:00:00Z')
      expect(await cases.app.video.purge()).toBe(canPin ? 2 : 3) // Lucía's video and snapshots folder, and Javier's
      expect(await cases.app.handlers.getVideoCache(undefined)).toEqual({ videos: 0, bytes: 0 })
      const left = canPin
        ? [stuck, path.join(snapshotsDir, '.DS_Store')]
        : [path.join(snapshotsDir, '.DS_Store')]
      expect(filesUnder(cacheDir()).sort()).toEqual(left.sort())
    } finally {
      if (canPin) immutable(false)
    }
    await cases.app.close()
  })
})
