import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Simulator, startSimulator } from '../../simulator/server'
import { skipBecause } from '../../skip'
import { asItComes, caseIn, clientFor, failureOf, TEST_RAO } from './helpers'

// A disk that fills up mid-download: a 16 KiB tmpfs (smaller than every seeded video), which only root may mount (CI runs as root).
const smallDisk = mkdtempSync(path.join(tmpdir(), 'rao-small-disk-'))
const mounted = (() => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', smallDisk], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()
afterAll(() => {
  if (mounted) execFileSync('umount', [smallDisk])
  rmSync(smallDisk, { recursive: true, force: true })
})

let simulator: Simulator
beforeEach(async () => {
  simulator = await startSimulator({ raos: [TEST_RAO] })
})
afterEach(() => simulator.close())

describe('video downloads that cannot be saved on this computer', () => {
  it('a folder that does not exist is a storage problem, not a network one', async () => {
    const { client } = clientFor(simulator)
    const missing = path.join(smallDisk, 'no-such-folder', 'v.mp4')
    const error = await failureOf(
      client.downloadVideo(caseIn(simulator, 'VIDEOREVIEW').videoidPk, missing, asItComes),
    )
    expect(error.code).toBe('storage')
    expect(error.message).toBe('The video could not be saved on this computer.')
    expect(error.detail).toMatch(/ENOENT/)
  })

  it('a disk that fills up says so, and leaves no partial file (needs root to mount)', async (context) => {
    if (!mounted) skipBecause(context, 'a small tmpfs cannot be mounted here (not root)')
    const { client } = clientFor(simulator)
    const error = await failureOf(
      client.downloadVideo(
        caseIn(simulator, 'VIDEOREVIEW').videoidPk,
        path.join(smallDisk, 'v.mp4'),
        asItComes,
      ),
    )
    expect(error.toShape()).toEqual({
      code: 'storage',
      message: 'The video could not be saved on this computer.',
      detail: 'the disk is full',
    })
    expect(readdirSync(smallDisk)).toEqual([])
  })
})
