import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { skipBecause } from '../../skip'
import { filesUnder } from '../../support/plaintext-scan'
import { eachTestWorld } from '../vault/fixtures'
import { LUCIA, withCases } from './cases'

// A disk that fills up while a snapshot is kept: the snapshots folder on a 64 KiB tmpfs, which only root
// may mount (CI runs as root).
const world = eachTestWorld()
let mounted: string | undefined
afterEach(() => {
  if (mounted) execFileSync('umount', [mounted])
  mounted = undefined
})

describe('a snapshot on a full disk', () => {
  it('is refused as a storage problem, and leaves nothing behind (needs root to mount)', async (context) => {
    const snapshots = path.join(world.dataDir, 'video-cache', 'snapshots')
    mkdirSync(snapshots, { recursive: true })
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', snapshots], { stdio: 'ignore' })
      mounted = snapshots
    } catch {
      skipBecause(context, 'a small tmpfs cannot be mounted here (not root)')
    }
    const cases = await withCases(world)
    const png = (bytes: number) =>
      Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(bytes)])
    const large = cases.app.handlers.saveSnapshot({
      videoidPk: LUCIA.videoidPk,
      videoTimeSeconds: 1,
      png: png(100 * 1024).toString('base64'),
    })
    await expect(large).rejects.toMatchObject({
      code: 'storage',
      message: 'The snapshot could not be saved on this computer.',
      detail: 'the disk is full',
    })
    expect(filesUnder(snapshots)).toEqual([])
    // One that fills the disk to the last byte (16 pages of 4 KiB sealed): its record finds no room.
    const exact = cases.app.handlers.saveSnapshot({
      videoidPk: LUCIA.videoidPk,
      videoTimeSeconds: 1,
      png: png(64 * 1024 - 92 - 28 - 8).toString('base64'),
    })
    await expect(exact).rejects.toMatchObject({ code: 'storage', detail: 'the disk is full' })
    expect(filesUnder(snapshots)).toEqual([])
    // The room it would have taken is free again: a small one is kept.
    const small = await cases.app.handlers.saveSnapshot({
      videoidPk: LUCIA.videoidPk,
      videoTimeSeconds: 2,
      png: png(1024).toString('base64'),
    })
    expect(await cases.app.handlers.listSnapshots({ videoidPk: LUCIA.videoidPk })).toEqual([small])
    await cases.app.close()
  })
})
