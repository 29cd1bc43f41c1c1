import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { VIDEOS, writeVideoWithIndexFar } from '../../simulator/seed'
import { type Simulator, startSimulator } from '../../simulator/server'
import { eachTestWorld, OFFICER } from '../vault/fixtures'
import { LUCIA, withCases } from './cases'

// A download keeps the Optimizer its open took: the Optimizer address changed while a video downloads
// sends none of that video's requests to the new address, whatever the download does next (start over,
// fetch its index ahead), and the copy saved for the case is the first Optimizer's video.
const world = eachTestWorld()
let second: Simulator
beforeEach(async () => {
  second = await startSimulator({ raos: [OFFICER] })
  // The same pk at the second Optimizer is another person's video.
  second.attachVideo(LUCIA.videoidPk, VIDEOS.b)
})
afterEach(() => second.close())

const videoRequests = (simulator: Simulator) =>
  simulator.requests.filter((request) => request.path.endsWith(`/videoid/${LUCIA.videoidPk}/video`))
const body = async (response: Response) => Buffer.from(await response.arrayBuffer())

describe('a download and the Optimizer it started with', () => {
  it('starts over at the same Optimizer after the address changed', async () => {
    const cases = await withCases(world)
    // The first answer is cut, and the Optimizer cannot resume it: the download starts over.
    world.simulator.setRangeSupport(false)
    world.simulator.inject({ route: 'GET /videoid/*/video', fault: { kind: 'reset' } })
    await cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    await cases.app.handlers.saveSettings({ optimizerUrl: second.url })

    const source = readFileSync(VIDEOS.a)
    expect(await cases.settled(LUCIA.videoidPk)).toEqual({ status: 'ready', bytes: source.length })
    expect(cases.app.lines.some((line) => line.includes('video download starts over'))).toBe(true)
    expect(videoRequests(world.simulator).length).toBeGreaterThanOrEqual(3) // cut, resume refused, afresh
    expect(videoRequests(second)).toEqual([])
    await cases.app.handlers.saveSettings({ optimizerUrl: world.simulator.url })
    expect((await body(await cases.get('/case/16673/video'))).equals(source)).toBe(true)
    await cases.app.close()
  })

  it('fetches an index ahead from the same Optimizer after the address changed', async () => {
    const cases = await withCases(world)
    const late = path.join(world.dataDir, 'index-last.mp4')
    writeVideoWithIndexFar(late)
    world.simulator.attachVideo(LUCIA.videoidPk, late)
    second.attachVideo(LUCIA.videoidPk, late)
    world.simulator.setVideoRate(4_000_000) // two seconds in order: the index is fetched ahead meanwhile
    await cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    await cases.app.handlers.saveSettings({ optimizerUrl: second.url })

    const file = readFileSync(late)
    expect(await cases.settled(LUCIA.videoidPk)).toEqual({ status: 'ready', bytes: file.length })
    expect(cases.app.lines.some((line) => /video index fetched ahead.*fetched/.test(line))).toBe(true)
    expect(videoRequests(world.simulator)).toHaveLength(2) // the body in order, and the index's range
    expect(videoRequests(second)).toEqual([])
    await cases.app.handlers.saveSettings({ optimizerUrl: world.simulator.url })
    expect((await body(await cases.get('/case/16673/video'))).equals(file)).toBe(true)
    await cases.app.close()
  }, 30_000)
})
