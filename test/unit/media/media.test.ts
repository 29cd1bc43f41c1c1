import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { VIDEOS, writeVideoWithIndexFar } from '../../simulator/seed'
import { eachTestWorld, servicesFor } from '../vault/fixtures'
import { type Cases, DIEGO, JAVIER, LUCIA, withCases as withWorldCases } from './cases'

// The video cache and main's media protocol, on the app's own services against the simulator over
// real HTTP. The expected bytes are the simulator's own file, sliced by hand.
const world = eachTestWorld()

const source = readFileSync(VIDEOS.a)
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const withCases = (now?: () => Date, extra?: Parameters<typeof withWorldCases>[2]) =>
  withWorldCases(world, now, extra)

async function downloaded({ app, settled }: Cases, videoidPk: number) {
  const opened = await app.handlers.openVideo({ videoidPk })
  expect(await settled(videoidPk)).toEqual({ status: 'ready', bytes: source.length })
  return opened
}

describe('media protocol', () => {
  it('answers the whole video, and byte ranges as HTTP says', async () => {
    const cases = await withCases()
    const { app, get } = cases
    const opened = await downloaded(cases, LUCIA.videoidPk)
    expect(opened.url).toBe(`rao-media://media/case/${LUCIA.videoidPk}/video`)
    const size = source.length

    const whole = await get('/case/16673/video')
    expect(whole.status).toBe(200)
    expect(whole.headers.get('accept-ranges')).toBe('bytes')
    expect(whole.headers.get('content-type')).toBe('video/mp4')
    expect(Buffer.from(await whole.arrayBuffer()).equals(source)).toBe(true)

    const open = await get('/case/16673/video', 'bytes=0-')
    expect(open.status).toBe(206)
    expect(open.headers.get('content-range')).toBe(`bytes 0-${size - 1}/${size}`)
    expect((await open.arrayBuffer()).byteLength).toBe(size)

    const middle = await get('/case/16673/video', 'bytes=1000-1999')
    expect(middle.status).toBe(206)
    expect(middle.headers.get('content-range')).toBe(`bytes 1000-1999/${size}`)
    expect(middle.headers.get('content-length')).toBe('1000')
    expect(Buffer.from(await middle.arrayBuffer()).equals(source.subarray(1000, 2000))).toBe(true)

    const suffix = await get('/case/16673/video', 'bytes=-500')
    expect(suffix.headers.get('content-range')).toBe(`bytes ${size - 500}-${size - 1}/${size}`)
    expect(Buffer.from(await suffix.arrayBuffer()).equals(source.subarray(size - 500))).toBe(true)

    const beyond = await get('/case/16673/video', `bytes=${size}-`)
    expect(beyond.status).toBe(416)
    expect(beyond.headers.get('content-range')).toBe(`bytes */${size}`)
    await app.close()
  })

  it('waits for a range the download has not reached, then answers it', async () => {
    const { app, get } = await withCases()
    world.simulator.setVideoRate(32 * 1024) // about a second and a half for this video
    const opened = await app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    expect(opened.state.status).toBe('downloading')
    const size = source.length
    const asked = Date.now()
    const tail = await get('/case/16673/video', `bytes=${size - 100}-`)
    expect(tail.status).toBe(206)
    expect(Buffer.from(await tail.arrayBuffer()).equals(source.subarray(size - 100))).toBe(true)
    expect(Date.now() - asked).toBeGreaterThan(300)
    await app.close()
  })

  it('fetches an MP4’s index ahead when it comes last, and serves it before the rest arrives', async () => {
    const cases = await withCases()
    const { app, get } = cases
    const late = path.join(world.dataDir, 'index-last.mp4')
    const indexAt = writeVideoWithIndexFar(late)
    const file = readFileSync(late)
    world.simulator.attachVideo(LUCIA.videoidPk, late)
    world.simulator.setVideoRate(2_000_000) // about four seconds in order; the index is its last 2.5 kB
    await app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    const started = Date.now()
    const index = await get('/case/16673/video', `bytes=${indexAt}-`)
    expect(index.status).toBe(206)
    expect(Buffer.from(await index.arrayBuffer()).equals(file.subarray(indexAt))).toBe(true)
    expect(Date.now() - started).toBeLessThan(3_000)
    expect((await app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })).state.status).toBe('downloading')
    // And the whole file, once in, is the file.
    expect(await cases.settled(LUCIA.videoidPk)).toEqual({ status: 'ready', bytes: file.length })
    expect(Buffer.from(await (await get('/case/16673/video')).arrayBuffer()).equals(file)).toBe(true)
    await app.close()
  }, 30_000)

  it('has nothing for a case without a video', async () => {
    const { app, get, settled } = await withCases()
    const pending = await app.handlers.openVideo({ videoidPk: DIEGO.videoidPk })
    expect(pending.state.status).toBe('downloading')
    expect(await settled(DIEGO.videoidPk)).toMatchObject({ status: 'failed', error: { code: 'not_found' } })
    expect((await get('/case/16678/video')).status).toBe(404)
    expect((await get('/case/99999/video')).status).toBe(404)
    await app.close()
  })

  // The handler builds no path: it passes a case number and an id to the video service, and a URL is
  // normalised (`..`, `%2e%2e`) before any handler sees it. The guard that matters is the service's own
  // check of the id, given here a raw path, with a sealed snapshot planted where that path leads.
  it('finds a snapshot by its id only: a path given as the id reaches nothing outside the cache', async () => {
    const { app } = await withCases()
    const png = Buffer.concat([PNG_SIGNATURE, Buffer.from('planted outside the cache')])
    const kept = await app.handlers.saveSnapshot({
      videoidPk: LUCIA.videoidPk,
      videoTimeSeconds: 1,
      png: png.toString('base64'),
    })
    const cache = path.join(world.dataDir, 'video-cache')
    const [stem] = readdirSync(path.join(cache, 'snapshots'))
    copyFileSync(
      path.join(cache, 'snapshots', stem ?? '', `${kept.id}.png.enc`),
      path.join(world.dataDir, 'planted.png.enc'),
    )
    expect(await app.video.snapshot(LUCIA.videoidPk, kept.id)).toEqual(png)
    for (const raw of [
      '../../../planted',
      `..${path.sep}..${path.sep}..${path.sep}planted`,
      '../../x/../../planted',
    ])
      expect(await app.video.snapshot(LUCIA.videoidPk, raw), raw).toBeUndefined()
    await app.close()
  })
})

describe('video cache', () => {
  it('downloads several cases at once, each making progress', async () => {
    const cases = await withCases()
    world.simulator.setVideoRate(48 * 1024)
    await cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    await cases.app.handlers.openVideo({ videoidPk: JAVIER.videoidPk })
    expect(await cases.settled(JAVIER.videoidPk)).toMatchObject({ status: 'ready' })
    expect(await cases.settled(LUCIA.videoidPk)).toMatchObject({ status: 'ready', bytes: source.length })
    await cases.app.close()
  })

  it('downloads a video once when it is opened twice at once, and one cancel stops it', async () => {
    const cases = await withCases()
    world.simulator.setVideoRate(16 * 1024)
    const videos = path.join(world.dataDir, 'video-cache', 'videos')
    const [first, second] = await Promise.all([
      cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk }),
      cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk }),
    ])
    expect([first.state.status, second.state.status]).toEqual(['downloading', 'downloading'])
    // A download writes its own part file from its first moment: one download, one part file.
    expect(readdirSync(videos).filter((name) => name.endsWith('.part'))).toHaveLength(1)
    expect(await cases.app.handlers.cancelVideo({ videoidPk: LUCIA.videoidPk })).toEqual({ status: 'none' })
    expect(readdirSync(videos)).toEqual([])
    await cases.app.close()
  })

  it('a cancel stops what an open asked for just before it, and an open just after it starts afresh', async () => {
    const cases = await withCases()
    const videoRequests = () =>
      world.simulator.requests.filter((request) => request.path.endsWith(`/videoid/${LUCIA.videoidPk}/video`))
    // Asked one after the other without waiting: the cancel stops the download before it starts.
    const opening = cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    const cancelled = cases.app.handlers.cancelVideo({ videoidPk: LUCIA.videoidPk })
    expect((await opening).state).toEqual({ status: 'none' })
    expect(await cancelled).toEqual({ status: 'none' })
    expect(videoRequests()).toEqual([])

    world.simulator.setVideoRate(8 * 1024)
    await cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    await expect.poll(() => videoRequests().length).toBe(1)
    world.simulator.setVideoRate(undefined)
    // A cancel of that download, and an open at once: the open does not join the download being stopped.
    const cancelling = cases.app.handlers.cancelVideo({ videoidPk: LUCIA.videoidPk })
    const reopened = await cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    const from = cases.states.length
    expect(reopened.state.status).toBe('downloading')
    expect(await cancelling).toEqual({ status: 'none' })
    expect(await cases.settled(LUCIA.videoidPk, from)).toEqual({ status: 'ready', bytes: source.length })
    expect(videoRequests()).toHaveLength(2)

    // Open, cancel, open, all at once: the last open is not the first's, and its download runs.
    const before = cases.states.length
    const first = cases.app.handlers.openVideo({ videoidPk: JAVIER.videoidPk })
    const stop = cases.app.handlers.cancelVideo({ videoidPk: JAVIER.videoidPk })
    const last = cases.app.handlers.openVideo({ videoidPk: JAVIER.videoidPk })
    expect((await first).state).toEqual({ status: 'none' })
    expect((await last).state.status).toBe('downloading')
    await stop
    expect(await cases.settled(JAVIER.videoidPk, before)).toMatchObject({ status: 'ready' })
    await cases.app.close()
  })

  it('says plainly when the Optimizer’s video is empty or not a video, and keeps nothing', async () => {
    const cases = await withCases()
    const empty = path.join(world.dataDir, 'empty.mp4')
    writeFileSync(empty, '')
    world.simulator.attachVideo(LUCIA.videoidPk, empty)
    await cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    expect(await cases.settled(LUCIA.videoidPk)).toMatchObject({
      status: 'failed',
      error: { code: 'not_a_video', detail: 'the file is empty' },
    })
    expect(readdirSync(path.join(world.dataDir, 'video-cache', 'videos'))).toEqual([])
    await cases.app.close()
  })

  it('never takes a download cut short by quitting for a whole video', async () => {
    const cases = await withCases()
    world.simulator.setVideoRate(16 * 1024)
    await cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    await new Promise((resolve) => setTimeout(resolve, 300))
    await cases.app.close() // quitting: the download is stopped mid-way
    const videos = path.join(world.dataDir, 'video-cache', 'videos')
    expect(readdirSync(videos)).toEqual([])
    // A piece left by a process that was killed outright is purged at the next start, never served.
    writeFileSync(path.join(videos, 'abcdef012345-16673.video.0b1c.part'), source.subarray(0, 1000))
    const restarted = servicesFor(world.dataDir, world.service, world.simulator.url)
    expect(await restarted.video.purge()).toBe(1)
    expect((await restarted.handlers.openVideo({ videoidPk: LUCIA.videoidPk })).state.status).toBe(
      'downloading',
    )
    await restarted.close()
  })

  it('keeps videos in a folder only the user can read', async () => {
    const cases = await withCases()
    const { app } = cases
    await downloaded(cases, LUCIA.videoidPk)
    const cache = path.join(world.dataDir, 'video-cache')
    if (process.platform !== 'win32') {
      expect(statSync(cache).mode & 0o777).toBe(0o700)
      expect(statSync(path.join(cache, 'videos')).mode & 0o777).toBe(0o700)
    }
    // Sealed, the file holds a 92-byte header and, for its one chunk, a 12-byte nonce and a 16-byte tag.
    const onDisk = source.length + 92 + 28
    expect(await app.handlers.getVideoCache(undefined)).toEqual({ videos: 1, bytes: onDisk })
    expect(await app.handlers.clearVideoCache(undefined)).toEqual({ freedBytes: onDisk })
    expect(await app.handlers.getVideoCache(undefined)).toEqual({ videos: 0, bytes: 0 })
    await app.close()
  })

  it('deletes a video and its snapshots the chosen number of days after its case became final, not before', async () => {
    let clock = new Date('2026-11-02T09:00:00Z')
    const cases = await withCases(() => clock)
    const { app } = cases
    await downloaded(cases, LUCIA.videoidPk)
    app.handlers.saveSettings({ videoRetentionDays: 7 })
    const lucia = world.simulator.state.cases.get(LUCIA.videoidPk)
    if (!lucia) throw new Error('the simulator’s seed changed')
    lucia.status = 'CANCELLED'
    clock = new Date('2026-11-03T09:00:00Z')
    await app.handlers.syncCases(undefined) // the case is seen final on 3 November
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).toString('base64')
    await app.handlers.saveSnapshot({ videoidPk: LUCIA.videoidPk, videoTimeSeconds: 1, png })
    clock = new Date('2026-11-10T08:59:00Z')
    expect(await app.video.purge()).toBe(0)
    expect((await app.handlers.getVideoCache(undefined)).videos).toBe(1)
    clock = new Date('2026-11-10T09:01:00Z')
    expect(await app.video.purge()).toBe(2) // the video, and the folder of its snapshots
    expect((await app.handlers.getVideoCache(undefined)).videos).toBe(0)
    expect(await app.handlers.listSnapshots({ videoidPk: LUCIA.videoidPk })).toEqual([])
    await app.close()
  })

  it('keeps snapshots of frames with the case, stamped with the video and wall-clock times', async () => {
    let clock = new Date('2026-11-02T09:15:30Z')
    const { app, get } = await withCases(() => clock)
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from('frame'),
    ])
    const first = await app.handlers.saveSnapshot({
      videoidPk: LUCIA.videoidPk,
      videoTimeSeconds: 1.25,
      png: png.toString('base64'),
    })
    clock = new Date('2026-11-02T09:16:00Z')
    await app.handlers.saveSnapshot({
      videoidPk: LUCIA.videoidPk,
      videoTimeSeconds: 2.5,
      png: png.toString('base64'),
    })
    const listed = await app.handlers.listSnapshots({ videoidPk: LUCIA.videoidPk })
    expect(listed.map((item) => [item.videoTimeSeconds, item.takenAt])).toEqual([
      [1.25, '2026-11-02T09:15:30.000Z'],
      [2.5, '2026-11-02T09:16:00.000Z'],
    ])
    const served = await get(new URL(first.url).pathname)
    expect(served.headers.get('content-type')).toBe('image/png')
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true)
    await expect(
      app.handlers.saveSnapshot({
        videoidPk: LUCIA.videoidPk,
        videoTimeSeconds: 1,
        png: Buffer.from('GIF89a').toString('base64'),
      }),
    ).rejects.toMatchObject({ code: 'invalid_input' })
    await app.close()
  })
})

describe('the next case’s video, downloaded ahead', () => {
  const ANA = { videoidPk: 16675, requestPk: 923058 } // VIDEOREVIEW, signer-c.mp4
  const videoRequests = (videoidPk: number) =>
    world.simulator.requests.filter((request) => request.path.endsWith(`/videoid/${videoidPk}/video`)).length
  const partFiles = () =>
    readdirSync(path.join(world.dataDir, 'video-cache', 'videos')).filter((name) => name.endsWith('.part'))

  it('downloads while the officer reviews another case, and the open joins it: one download', async () => {
    const cases = await withCases()
    world.simulator.setVideoRate(48 * 1024)
    await cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    expect(await cases.app.handlers.prefetchVideo({ videoidPk: JAVIER.videoidPk })).toEqual({
      outcome: 'started',
    })
    expect(await cases.app.handlers.prefetchVideo({ videoidPk: JAVIER.videoidPk })).toEqual({
      outcome: 'running',
    })
    const opened = await cases.app.handlers.openVideo({ videoidPk: JAVIER.videoidPk })
    expect(opened.state.status).toBe('downloading')
    expect(await cases.settled(JAVIER.videoidPk)).toMatchObject({ status: 'ready' })
    expect(videoRequests(JAVIER.videoidPk)).toBe(1)
    expect(await cases.app.handlers.prefetchVideo({ videoidPk: JAVIER.videoidPk })).toEqual({
      outcome: 'saved',
    })
    expect((await cases.app.handlers.openVideo({ videoidPk: JAVIER.videoidPk })).state.status).toBe('ready')
    expect(videoRequests(JAVIER.videoidPk)).toBe(1)
    await cases.app.close()
  })

  it('runs at most two downloads: a case left gives its place to the one ahead', async () => {
    const cases = await withCases()
    await cases.app.handlers.addCases({ text: `${ANA.videoidPk},${ANA.requestPk}` })
    world.simulator.setVideoRate(4 * 1024) // each takes some ten seconds: all three would overlap
    await cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    await cases.app.handlers.openVideo({ videoidPk: JAVIER.videoidPk }) // Lucía's case left
    expect(partFiles()).toHaveLength(2)
    expect(await cases.app.handlers.prefetchVideo({ videoidPk: ANA.videoidPk })).toEqual({
      outcome: 'started',
    })
    expect(await cases.settled(LUCIA.videoidPk)).toEqual({ status: 'none' })
    expect(partFiles()).toHaveLength(2)
    // Back to Lucía's case: Javier's, left now, gives way; the one ahead goes on.
    await cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    expect(await cases.settled(JAVIER.videoidPk)).toEqual({ status: 'none' })
    expect(partFiles()).toHaveLength(2)
    expect(cases.states.filter((event) => event.videoidPk === ANA.videoidPk).at(-1)?.state.status).toBe(
      'downloading',
    )
    await cases.app.close()
  })

  it('starts afresh a download being stopped to make room, when its case comes next again', async () => {
    const cases = await withCases()
    await cases.app.handlers.addCases({ text: `${ANA.videoidPk},${ANA.requestPk}` })
    world.simulator.setVideoRate(4 * 1024)
    await cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    await cases.app.handlers.openVideo({ videoidPk: JAVIER.videoidPk }) // Lucía's case left
    // Ana's ahead: Lucía's download is stopped to make room, and is not done stopping yet.
    expect(await cases.app.handlers.prefetchVideo({ videoidPk: ANA.videoidPk })).toEqual({
      outcome: 'started',
    })
    // Lucía's case is next after all: a download being stopped is not one running.
    expect(await cases.app.handlers.prefetchVideo({ videoidPk: LUCIA.videoidPk })).toEqual({
      outcome: 'started',
    })
    await expect.poll(() => videoRequests(LUCIA.videoidPk)).toBe(2)
    // Ana's, no longer next, gave way; Lucía's new download goes on, and nothing says it stopped.
    expect(await cases.settled(ANA.videoidPk)).toEqual({ status: 'none' })
    await new Promise((resolve) => setTimeout(resolve, 600))
    expect(cases.states.filter((event) => event.videoidPk === LUCIA.videoidPk).at(-1)?.state.status).toBe(
      'downloading',
    )
    expect(partFiles()).toHaveLength(2)
    await cases.app.close()
  })

  it('downloads ahead only the case asked for last, when two are asked for at once', async () => {
    const cases = await withCases()
    await cases.app.handlers.addCases({ text: `${ANA.videoidPk},${ANA.requestPk}` })
    world.simulator.setVideoRate(4 * 1024)
    const outcomes = await Promise.all([
      cases.app.handlers.prefetchVideo({ videoidPk: JAVIER.videoidPk }),
      cases.app.handlers.prefetchVideo({ videoidPk: ANA.videoidPk }),
    ])
    expect(outcomes).toEqual([{ outcome: 'replaced' }, { outcome: 'started' }])
    await expect.poll(() => videoRequests(ANA.videoidPk)).toBe(1)
    expect(videoRequests(JAVIER.videoidPk)).toBe(0)
    await cases.app.close()
  })

  it('starts the download ahead asked after a cancel, even while the ask from before it is still being answered', async () => {
    // The disk's free room answered only when the test says: the ask before the cancel waits there.
    let openRoom: () => void = () => undefined
    const room = new Promise<void>((resolve) => (openRoom = resolve))
    const cases = await withCases(undefined, {
      cacheFreeBytes: async () => {
        await room
        return 100 * 1024 ** 3
      },
    })
    world.simulator.setVideoRate(4 * 1024)
    const before = cases.app.handlers.prefetchVideo({ videoidPk: JAVIER.videoidPk })
    expect(await cases.app.handlers.cancelVideo({ videoidPk: JAVIER.videoidPk })).toEqual({ status: 'none' })
    // The officer moves on, and this case is next again: asked ahead after the cancel.
    const after = cases.app.handlers.prefetchVideo({ videoidPk: JAVIER.videoidPk })
    openRoom()
    expect(await before).toEqual({ outcome: 'cancelled' })
    expect(await after).toEqual({ outcome: 'started' })
    await expect.poll(() => videoRequests(JAVIER.videoidPk)).toBe(1)
    await cases.app.close()
  })

  it('starts nothing ahead for a case whose download was cancelled while it was being asked for', async () => {
    const cases = await withCases()
    world.simulator.setVideoRate(4 * 1024)
    // Asked ahead, then the case's download cancelled at once (the officer got to it, and stopped it).
    const ahead = cases.app.handlers.prefetchVideo({ videoidPk: JAVIER.videoidPk })
    const cancelled = cases.app.handlers.cancelVideo({ videoidPk: JAVIER.videoidPk })
    expect(await cancelled).toEqual({ status: 'none' })
    expect(await ahead).toEqual({ outcome: 'cancelled' })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(videoRequests(JAVIER.videoidPk)).toBe(0)
    expect(partFiles()).toEqual([])
    // Asked again after the cancel: it starts.
    expect(await cases.app.handlers.prefetchVideo({ videoidPk: JAVIER.videoidPk })).toEqual({
      outcome: 'started',
    })
    await expect.poll(() => videoRequests(JAVIER.videoidPk)).toBe(1)
    await cases.app.close()
  })

  it('downloads nothing ahead when the setting is off, or the cache’s disk is short of room', async () => {
    const short = await withCases(undefined, { cacheFreeBytes: async () => 1024 ** 3 })
    expect(await short.app.handlers.prefetchVideo({ videoidPk: JAVIER.videoidPk })).toEqual({
      outcome: 'no_room',
    })
    await short.app.handlers.saveSettings({ prefetchNextVideo: false })
    expect(await short.app.handlers.prefetchVideo({ videoidPk: JAVIER.videoidPk })).toEqual({
      outcome: 'off',
    })
    expect(videoRequests(JAVIER.videoidPk)).toBe(0)
    expect(partFiles()).toEqual([])
    await short.app.close()
  })
})
