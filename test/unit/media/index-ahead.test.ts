import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fetchIndexAhead } from '../../../main/media/index-ahead'
import { VIDEOS, writeVideoWithIndexFar } from '../../simulator/seed'
import { type Simulator, startSimulator } from '../../simulator/server'
import { clientFor } from '../oneshot/helpers'

// An MP4's index fetched ahead, against the simulator over real HTTP: only an index, never more than
// 16 MiB of it, kept chunk by chunk as it streams in. Offsets by hand: signer-d.mp4 is ftyp (32 bytes),
// free (8), mdat, then moov; chunks are 64 KiB.
const CHUNK = 64 * 1024
const LUCIA = 16673
let simulator: Simulator
let folder: string
beforeEach(async () => {
  simulator = await startSimulator()
  folder = mkdtempSync(path.join(tmpdir(), 'rao-index-ahead-'))
})
afterEach(() => simulator.close())

/** The simulator's strong ETag for the video it serves now, as a download's answer carries it. */
async function validatorNow(): Promise<string> {
  const answer = await fetch(`${simulator.url}/videoid/${LUCIA}/video`, { headers: { range: 'bytes=0-0' } })
  await answer.arrayBuffer()
  const etag = answer.headers.get('etag')
  if (!etag?.startsWith('"')) throw new Error('the simulator gave no strong ETag')
  return etag
}

/**
 * Fetches ahead the index of `file`, served as a case's video, from the version `validator` names (the
 * one served now unless said); records each chunk kept and when.
 */
async function fetchAheadOf(
  file: string,
  head = readFileSync(file).subarray(0, 4096),
  validator?: string | null,
) {
  simulator.attachVideo(LUCIA, file)
  const { client } = clientFor(simulator)
  const kept: { index: number; plain: Buffer; last: boolean; arrivedBefore: number }[] = []
  let arrived = 0
  let asked = 0
  const outcome = await fetchIndexAhead({
    head,
    total: readFileSync(file).length,
    validator: validator === null ? undefined : (validator ?? (await validatorNow())),
    has: () => false,
    writeChunk: (index, plain, last) =>
      kept.push({ index, plain: Buffer.from(plain), last, arrivedBefore: arrived }),
    readRange: (range, ifRange, onPiece) => {
      asked++
      return client.readVideoRange(
        LUCIA,
        range,
        (piece) => {
          arrived += piece.length
          onPiece(piece)
        },
        { ifRange },
      )
    },
  })
  return { outcome, kept, asked, arrived }
}

describe('an MP4 index fetched ahead', () => {
  it('keeps the range from the index’s chunk to the end, a chunk at a time as it arrives', async () => {
    // An index last, then a 1 MiB free box after it: a range of 17 chunks or so.
    const file = path.join(folder, 'index-last.mp4')
    const indexAt = writeVideoWithIndexFar(file)
    const free = Buffer.alloc(1024 * 1024)
    free.writeUInt32BE(free.length, 0)
    free.write('free', 4, 'latin1')
    writeFileSync(file, Buffer.concat([readFileSync(file), free]))
    const video = readFileSync(file)

    const { outcome, kept, arrived } = await fetchAheadOf(file)
    expect(outcome).toBe('fetched')
    const first = Math.floor(indexAt / CHUNK)
    expect(kept.map((chunk) => chunk.index)).toEqual(
      Array.from({ length: Math.ceil(video.length / CHUNK) - first }, (_, at) => first + at),
    )
    expect(Buffer.concat(kept.map((chunk) => chunk.plain)).equals(video.subarray(first * CHUNK))).toBe(true)
    expect(kept.map((chunk) => chunk.last)).toEqual(kept.map((_, at) => at === kept.length - 1))
    // Streamed: the first chunk was kept long before the range had all arrived.
    expect(kept[0]?.arrivedBefore).toBeLessThan(arrived / 4)
  })

  it('keeps nothing where the range does not start with an index (a moov box)', async () => {
    const file = path.join(folder, 'not-an-index.mp4')
    const indexAt = writeVideoWithIndexFar(file)
    const video = readFileSync(file)
    video.write('free', indexAt + 4, 'latin1')
    writeFileSync(file, video)
    const { outcome, kept } = await fetchAheadOf(file)
    expect(outcome).toBe('not_an_index')
    expect(kept).toEqual([])
  })

  it('asks for nothing where the index would be more than 16 MiB from the end', async () => {
    // signer-d's start says its media data ends at 32 + 8 + 43,547 bytes; past that, 17 MiB more.
    const head = readFileSync(VIDEOS.d).subarray(0, 4096)
    const file = path.join(folder, 'far.mp4')
    writeFileSync(file, Buffer.alloc(32 + 8 + 43_547 + 17 * 1024 * 1024))
    const { outcome, kept, asked } = await fetchAheadOf(file, head)
    expect(outcome).toBe('too_large')
    expect([asked, kept.length]).toEqual([0, 0])
  })

  it('keeps nothing where the file is no longer the version being downloaded (If-Range)', async () => {
    const file = path.join(folder, 'index-last.mp4')
    writeVideoWithIndexFar(file)
    simulator.attachVideo(LUCIA, file)
    const downloading = await validatorNow()
    // The Optimizer's file is replaced meanwhile: same size, same layout, another version.
    const replaced = path.join(folder, 'replaced.mp4')
    writeFileSync(replaced, readFileSync(file))
    simulator.attachVideo(LUCIA, replaced)
    expect(await validatorNow()).not.toBe(downloading)
    const { outcome, kept, asked } = await fetchAheadOf(replaced, undefined, downloading)
    expect([outcome, asked]).toEqual(['incomplete', 1])
    expect(kept).toEqual([])
  })

  it('asks for nothing where the Optimizer names no version of the file (no strong ETag)', async () => {
    const file = path.join(folder, 'index-last.mp4')
    writeVideoWithIndexFar(file)
    const { outcome, kept, asked } = await fetchAheadOf(file, undefined, null)
    expect(outcome).toBe('no_validator')
    expect([asked, kept.length]).toEqual([0, 0])
  })

  it('keeps nothing from an Optimizer that ignores Range', async () => {
    const file = path.join(folder, 'index-last.mp4')
    writeVideoWithIndexFar(file)
    simulator.setRangeSupport(false)
    const { outcome, kept } = await fetchAheadOf(file)
    expect(outcome).toBe('incomplete')
    expect(kept).toEqual([])
  })
})
