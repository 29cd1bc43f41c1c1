import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { indexAtEnd } from '../../../main/media/mp4-layout'
import { VIDEOS } from '../../simulator/seed'

describe('where an MP4 keeps its index', () => {
  it('finds it first in a fast-start file (ftyp, moov, mdat)', () => {
    const file = readFileSync(VIDEOS.a)
    expect(indexAtEnd(file.subarray(0, 4096), file.length)).toBeUndefined()
  })

  it('finds it after the media data otherwise (ftyp, free, mdat, moov)', () => {
    const file = readFileSync(VIDEOS.d)
    // The boxes, read with a hex viewer: ftyp 32 bytes, free 8, mdat 43,547, then moov.
    expect(indexAtEnd(file.subarray(0, 4096), file.length)).toBe(32 + 8 + 43_547)
  })

  it('says nothing of a start it cannot read', () => {
    expect(indexAtEnd(Buffer.from('not a video at all'), 1000)).toBeUndefined()
    expect(indexAtEnd(Buffer.alloc(0), 0)).toBeUndefined()
  })
})
