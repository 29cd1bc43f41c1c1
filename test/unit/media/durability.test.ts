import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { fsCalls } from '../../../main/fs/durable'
import { eachTestWorld } from '../vault/fixtures'
import { LUCIA, withCases } from './cases'

// Finished videos and snapshots survive a power cut only if their data and their folder's new entry
// reach the disk: the file system calls, recorded in order through the one seam over node:fs.
const world = eachTestWorld()
const original = { ...fsCalls }
afterEach(() => Object.assign(fsCalls, original))

/** Records every flush (by the path its descriptor was opened with) and every rename. */
function recordFlushes(): string[] {
  const opened = new Map<number, string>()
  const calls: string[] = []
  fsCalls.openSync = ((file: string, flags: string, mode?: number) => {
    const fd = original.openSync(file, flags, mode)
    opened.set(fd, file)
    return fd
  }) as typeof fsCalls.openSync
  fsCalls.fsyncSync = (fd) => {
    calls.push(`flush ${opened.get(fd)}`)
    original.fsyncSync(fd)
  }
  fsCalls.fsync = ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    calls.push(`flush ${opened.get(fd)}`)
    original.fsync(fd, callback)
  }) as typeof fsCalls.fsync
  fsCalls.renameSync = (from, to) => {
    calls.push(`rename ${from} -> ${to}`)
    original.renameSync(from, to)
  }
  return calls
}

/** The calls around the rename whose target ends with `suffix`: what came before it, and after. */
function aroundRename(calls: string[], suffix: string) {
  const at = calls.findIndex((call) => call.startsWith('rename ') && call.endsWith(suffix))
  expect(at, `a rename to …${suffix}`).toBeGreaterThanOrEqual(0)
  const [from = '', to = ''] = (calls[at] ?? '').slice('rename '.length).split(' -> ')
  return { from, to, before: calls.slice(0, at), after: calls.slice(at + 1) }
}

describe('durable writes in the video cache', () => {
  it('a finished video: its data flushed before it is renamed into place, its folder flushed after', async () => {
    const cases = await withCases(world)
    const calls = recordFlushes()
    await cases.app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    expect(await cases.settled(LUCIA.videoidPk)).toMatchObject({ status: 'ready' })
    const rename = aroundRename(calls, `-${LUCIA.videoidPk}.video.enc`)
    expect(rename.from).toMatch(/\.part$/)
    expect(rename.before).toContain(`flush ${rename.from}`)
    expect(rename.after).toContain(`flush ${path.join(world.dataDir, 'video-cache', 'videos')}`)
    await cases.app.close()
  })

  it('a snapshot: its new folder flushed into the cache, each file flushed and renamed into a flushed folder', async () => {
    const cases = await withCases(world)
    const calls = recordFlushes()
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]).toString('base64')
    const kept = await cases.app.handlers.saveSnapshot({
      videoidPk: LUCIA.videoidPk,
      videoTimeSeconds: 1,
      png,
    })
    const snapshots = path.join(world.dataDir, 'video-cache', 'snapshots')
    for (const suffix of [`${kept.id}.png.enc`, `${kept.id}.json`]) {
      const rename = aroundRename(calls, suffix)
      expect(rename.before).toContain(`flush ${rename.from}`)
      expect(rename.after).toContain(`flush ${path.dirname(rename.to)}`)
      // The case's folder was new: its own entry in the snapshots folder is flushed before the files go in.
      expect(rename.before).toContain(`flush ${snapshots}`)
    }
    await cases.app.close()
  })
})
