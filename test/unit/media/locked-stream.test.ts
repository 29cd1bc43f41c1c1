import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { mediaBehindLock } from '../../../main/lock/gate'
import { createMediaHandler } from '../../../main/media/media-protocol'
import { writeVideoWithIndexFar } from '../../simulator/seed'
import { eachTestWorld, OFFICER } from '../vault/fixtures'
import { LUCIA, withCases } from './cases'

// The media protocol behind the desk's lock, as main mounts it: a video already streaming when the desk
// locks stops at its next read, rather than play on behind the lock screen.
const world = eachTestWorld()

describe('a video streaming when the desk locks', () => {
  it('ends with the lock’s error at the next read', async () => {
    const cases = await withCases(world)
    await cases.app.handlers.setUpCredentials(OFFICER)
    const file = path.join(world.dataDir, 'large.mp4')
    writeVideoWithIndexFar(file)
    world.simulator.attachVideo(LUCIA.videoidPk, file)
    await cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    expect(await cases.settled(LUCIA.videoidPk)).toMatchObject({ status: 'ready' })
    const media = mediaBehindLock(createMediaHandler({ video: cases.app.video }), cases.app.lock.locked)

    const answer = await media(new Request('rao-media://media/case/16673/video'))
    expect(answer.status).toBe(200)
    const reader = answer.body?.getReader()
    const first = await reader?.read()
    expect(Buffer.from(first?.value ?? []).equals(readFileSync(file).subarray(0, first?.value?.length))).toBe(
      true,
    )
    await cases.app.handlers.lockDesk(undefined)
    await expect(reader?.read()).rejects.toMatchObject({ code: 'desk_locked' })
    await cases.app.close()
  })
  it('ends a read that was waiting for the download when the lock came', async () => {
    const cases = await withCases(world)
    await cases.app.handlers.setUpCredentials(OFFICER)
    world.simulator.setVideoRate(32 * 1024) // about a second and a half for this video
    await cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    const media = mediaBehindLock(createMediaHandler({ video: cases.app.video }), cases.app.lock.locked)
    const answer = await media(
      new Request('rao-media://media/case/16673/video', { headers: { range: 'bytes=40000-' } }),
    )
    expect(answer.status).toBe(206)
    const waiting = answer.body?.getReader().read()
    await cases.app.handlers.lockDesk(undefined)
    await expect(waiting).rejects.toMatchObject({ code: 'desk_locked' })
    await cases.app.close()
  })
})
