import { createHash, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync } from 'node:fs'
import { open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { isFinalStatus } from '../../shared/cases'
import { AppError } from '../../shared/errors'
import type { Snapshot, VideoState } from '../../shared/media'
import type { Scope } from '../cases/case-service'
import type { Logger } from '../log'
import type { OneShotClient } from '../oneshot/client'
import { readHead } from '../oneshot/download'
import { indexAtEnd } from './mp4-layout'

/** What the video cache needs to know of a case in the book, in any Optimizer and environment. */
export interface CaseRetention extends Scope {
  videoidPk: number
  status: string
  /** When the case was first seen in a final state. */
  finalAt?: string
}

export interface VideoServiceOptions {
  /** The app's private cache folder; made readable by the user only. */
  cacheDir: string
  oneshot: Pick<OneShotClient, 'downloadVideo' | 'readVideoRange'>
  /** Whether the case is in the case book (in the Optimizer and environment in use). */
  hasCase: (videoidPk: number) => Promise<boolean>
  /** Every case in the book, for the purge. */
  retention: () => Promise<CaseRetention[]>
  scope: () => Scope
  /** The URL the page loads a media path from: main's media protocol, or the test harness. */
  mediaUrl: (mediaPath: string) => string
  /** Days a video is kept after its case reached a final state (a setting). */
  retentionDays: () => number
  onState: (videoidPk: number, state: VideoState) => void
  log: Logger
  now?: () => Date
}

/** A download under way: how far it is, and who waits for more of it. */
export interface Transfer {
  part: string | undefined
  /** Bytes on disk from the start, in order. */
  bytes: number
  total: number | undefined
  /** An MP4's index fetched ahead from the end, on disk already, where the index comes last. */
  tail: { start: number; end: number } | undefined
  state: VideoState
  /** Resolves at the next piece, the end, or a failure. */
  next(): Promise<void>
}

const PROGRESS_EVERY_MS = 250
/** How much of a video's start shows where its index is. */
const HEAD_BYTES = 4096
const SPEED_WINDOW_MS = 2000
const VIDEO_SUFFIX = '.video'

/** An id for an Optimizer and environment, so that the same pk elsewhere is another file. */
const scopeId = (scope: Scope) =>
  createHash('sha256').update(`${scope.environment} ${scope.optimizer}`).digest('hex').slice(0, 12)

/** Makes a folder readable by the user only (on systems with modes), whatever the umask. */
function privateFolder(folder: string): void {
  mkdirSync(folder, { recursive: true, mode: 0o700 })
  if (process.platform !== 'win32') chmodSync(folder, 0o700)
}

/**
 * The cases' videos on this computer: downloaded through main into a private cache, with progress
 * and cancel, readable while they download; snapshots of frames kept with the case; a purge of
 * videos some days after their case is final, and a "clear cache".
 */
export function createVideoService(options: VideoServiceOptions) {
  const { oneshot, log } = options
  const now = () => (options.now ?? (() => new Date()))()
  const videos = path.join(options.cacheDir, 'videos')
  const snapshots = path.join(options.cacheDir, 'snapshots')
  privateFolder(options.cacheDir)
  privateFolder(videos)
  privateFolder(snapshots)

  const transfers = new Map<string, Transfer & { abort: AbortController; done: Promise<void> }>()
  const stemOf = (videoidPk: number, scope: Scope = options.scope()) => `${scopeId(scope)}-${videoidPk}`
  const videoFile = (stem: string) => path.join(videos, `${stem}${VIDEO_SUFFIX}`)

  async function requireCase(videoidPk: number): Promise<string> {
    if (!(await options.hasCase(videoidPk)))
      throw new AppError('not_found', 'This case is not in the case book.')
    return stemOf(videoidPk)
  }

  async function fileState(stem: string): Promise<VideoState> {
    const info = await stat(videoFile(stem)).catch(() => undefined)
    return info?.isFile() ? { status: 'ready', bytes: info.size } : { status: 'none' }
  }

  function start(videoidPk: number, stem: string): Transfer {
    const abort = new AbortController()
    let wake: () => void = () => undefined
    let waiting = new Promise<void>((resolve) => (wake = resolve))
    const samples: [number, number][] = []
    let lastReport = 0
    const transfer = {
      part: undefined as string | undefined,
      bytes: 0,
      total: undefined as number | undefined,
      tail: undefined as Transfer['tail'],
      state: { status: 'downloading', bytes: 0, bytesPerSecond: 0 } as VideoState,
      abort,
      next: () => waiting,
      done: Promise.resolve(),
    }
    const settle = (state: VideoState) => {
      transfer.state = state
      const woken = wake
      waiting = new Promise<void>((resolve) => (wake = resolve))
      woken()
    }
    /**
     * An MP4 whose index comes last cannot play until the index is in: it is fetched ahead with a range
     * of its own (where the Optimizer honours Range) and written in place, while the rest arrives.
     */
    let headRead = false
    const fetchIndexAhead = async (total: number) => {
      const part = transfer.part
      if (!part) return
      const indexStart = indexAtEnd(await readHead(part, HEAD_BYTES), total)
      if (indexStart === undefined) return
      // From the start of its 64 KiB block: a player asks for whole blocks (Chromium, 32 KiB ones).
      const start = Math.floor(indexStart / 65_536) * 65_536
      if (start < transfer.bytes) return
      const index = await oneshot
        .readVideoRange(videoidPk, start, total - 1, abort.signal)
        .catch(() => undefined)
      if (!index || transfer.state.status !== 'downloading' || transfer.part !== part) return
      const handle = await open(part, 'r+')
      try {
        await handle.write(index, 0, index.length, start)
      } finally {
        await handle.close()
      }
      transfer.tail = { start, end: total - 1 }
      settle(transfer.state)
      log.info('video index fetched ahead', { bytes: index.length })
    }
    transfers.set(stem, transfer)
    transfer.done = oneshot
      .downloadVideo(videoidPk, videoFile(stem), {
        signal: abort.signal,
        onPartFile: (file) => {
          transfer.part = file
        },
        onProgress: ({ bytes, total }) => {
          const at = Date.now()
          samples.push([at, bytes])
          while (samples.length > 2 && (samples[0]?.[0] ?? at) < at - SPEED_WINDOW_MS) samples.shift()
          const [firstAt, firstBytes] = samples[0] ?? [at, bytes]
          const bytesPerSecond = at > firstAt ? ((bytes - firstBytes) * 1000) / (at - firstAt) : 0
          transfer.bytes = bytes
          transfer.total = total
          settle({ status: 'downloading', bytes, ...(total === undefined ? {} : { total }), bytesPerSecond })
          if (!headRead && total !== undefined && bytes >= Math.min(HEAD_BYTES, total)) {
            headRead = true
            void fetchIndexAhead(total).catch(() => undefined)
          }
          if (at - lastReport >= PROGRESS_EVERY_MS) {
            lastReport = at
            options.onState(videoidPk, transfer.state)
          }
        },
      })
      .then(
        (result) => settle({ status: 'ready', bytes: result.bytes }),
        (error: unknown) => {
          const failure = error instanceof AppError ? error : new AppError('internal', 'The download failed.')
          settle(
            failure.code === 'cancelled'
              ? { status: 'none' }
              : { status: 'failed', error: failure.toShape() },
          )
        },
      )
      .finally(() => {
        transfers.delete(stem)
        options.onState(videoidPk, transfer.state)
      })
    return transfer
  }

  async function snapshotsOf(videoidPk: number): Promise<Snapshot[]> {
    const stem = await requireCase(videoidPk)
    const folder = path.join(snapshots, stem)
    const names = await readdir(folder).catch(() => [] as string[])
    const found: Snapshot[] = []
    for (const name of names.filter((candidate) => candidate.endsWith('.json'))) {
      const id = name.slice(0, -'.json'.length)
      try {
        const meta = JSON.parse(await readFile(path.join(folder, name), 'utf8')) as Omit<
          Snapshot,
          'id' | 'url'
        >
        found.push({ ...meta, id, url: options.mediaUrl(`/case/${videoidPk}/snapshot/${id}`) })
      } catch {
        log.warn('snapshot record unreadable: skipped', { id })
      }
    }
    return found.sort((a, b) => a.takenAt.localeCompare(b.takenAt))
  }

  return {
    /** The video of a case: ready from the cache, or downloading (started now if need be). */
    async open(videoidPk: number): Promise<{ url: string; state: VideoState }> {
      const stem = await requireCase(videoidPk)
      const url = options.mediaUrl(`/case/${videoidPk}/video`)
      const running = transfers.get(stem)
      if (running) return { url, state: running.state }
      const cached = await fileState(stem)
      return { url, state: cached.status === 'ready' ? cached : start(videoidPk, stem).state }
    },

    async cancel(videoidPk: number): Promise<VideoState> {
      const stem = await requireCase(videoidPk)
      const running = transfers.get(stem)
      running?.abort.abort()
      await running?.next()
      return fileState(stem)
    },

    /** Cancels every download under way (the app is quitting), and waits for each to clean up. */
    async stopAll(): Promise<void> {
      const running = [...transfers.values()]
      for (const transfer of running) transfer.abort.abort()
      await Promise.all(running.map((transfer) => transfer.done))
    },

    /** What the media protocol serves for a case's video: a whole file, or one still being written. */
    async source(
      videoidPk: number,
    ): Promise<
      { file: string; size: number } | { file: string; transfer: Transfer; finalFile: string } | undefined
    > {
      if (!(await options.hasCase(videoidPk))) return undefined
      const stem = stemOf(videoidPk)
      const running = transfers.get(stem)
      if (running?.part) return { file: running.part, transfer: running, finalFile: videoFile(stem) }
      const info = await stat(videoFile(stem)).catch(() => undefined)
      return info?.isFile() ? { file: videoFile(stem), size: info.size } : undefined
    },

    async saveSnapshot(videoidPk: number, videoTimeSeconds: number, png: Buffer): Promise<Snapshot> {
      const stem = await requireCase(videoidPk)
      if (!png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
        throw new AppError('invalid_input', 'A snapshot must be a PNG image.')
      const folder = path.join(snapshots, stem)
      privateFolder(folder)
      const id = `${now().getTime()}-${randomBytes(4).toString('hex')}`
      const meta = { videoTimeSeconds, takenAt: now().toISOString() }
      await writeFile(path.join(folder, `${id}.png`), png, { mode: 0o600 })
      await writeFile(path.join(folder, `${id}.json`), JSON.stringify(meta), { mode: 0o600 })
      return { ...meta, id, url: options.mediaUrl(`/case/${videoidPk}/snapshot/${id}`) }
    },

    snapshots: snapshotsOf,

    /** The PNG file of a snapshot, for the media protocol. */
    async snapshotFile(videoidPk: number, id: string): Promise<string | undefined> {
      if (!/^\d+-[0-9a-f]{8}$/.test(id) || !(await options.hasCase(videoidPk))) return undefined
      const file = path.join(snapshots, stemOf(videoidPk), `${id}.png`)
      return existsSync(file) ? file : undefined
    },

    /** How many videos the cache holds and how much space they take. */
    async cacheSize(): Promise<{ videos: number; bytes: number }> {
      let count = 0
      let bytes = 0
      for (const name of await readdir(videos)) {
        if (!name.endsWith(VIDEO_SUFFIX)) continue
        count++
        bytes += (await stat(path.join(videos, name))).size
      }
      return { videos: count, bytes }
    },

    /** Deletes every cached video (not the snapshots, which record what a decision relied on). */
    async clear(): Promise<{ freedBytes: number }> {
      let freedBytes = 0
      for (const name of await readdir(videos)) {
        if (!name.endsWith(VIDEO_SUFFIX)) continue
        const file = path.join(videos, name)
        freedBytes += (await stat(file)).size
        await rm(file, { force: true })
      }
      log.info('video cache cleared', { bytes: freedBytes })
      return { freedBytes }
    },

    /**
     * Deletes what the cache keeps of cases final for longer than the retention, or no longer in the
     * book: their videos and their snapshots (a face and a document are personal data), and any piece
     * a download left when the app quit before it ended. Returns how many files and folders went.
     */
    async purge(): Promise<number> {
      const keepUntil = now().getTime() - options.retentionDays() * 86_400_000
      const cases = new Map<string, CaseRetention>()
      for (const entry of await options.retention()) cases.set(stemOf(entry.videoidPk, entry), entry)
      const expired = (stem: string) => {
        const entry = cases.get(stem)
        return !entry || (isFinalStatus(entry.status) && Date.parse(entry.finalAt ?? '') < keepUntil)
      }
      let purged = 0
      for (const name of await readdir(videos)) {
        const stem = name.slice(0, name.indexOf('.'))
        if (transfers.has(stem) || (name.endsWith(VIDEO_SUFFIX) && !expired(stem))) continue
        await rm(path.join(videos, name), { force: true })
        purged++
      }
      for (const stem of await readdir(snapshots)) {
        if (!expired(stem)) continue
        await rm(path.join(snapshots, stem), { recursive: true, force: true })
        purged++
      }
      if (purged) log.info('video cache purged', { entries: purged })
      return purged
    },
  }
}

export type VideoService = ReturnType<typeof createVideoService>

/** MP4 unless the file starts as WebM/Matroska does. */
export async function videoTypeOf(file: string): Promise<string> {
  const handle = await open(file, 'r')
  try {
    const head = Buffer.alloc(4)
    await handle.read(head, 0, 4, 0)
    return head.equals(Buffer.from([0x1a, 0x45, 0xdf, 0xa3])) ? 'video/webm' : 'video/mp4'
  } finally {
    await handle.close()
  }
}
