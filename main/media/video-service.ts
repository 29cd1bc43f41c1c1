import { createHash, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync } from 'node:fs'
import { open, readdir, readFile, rm, stat, statfs } from 'node:fs/promises'
import path from 'node:path'
import { isFinalStatus } from '../../shared/cases'
import { AppError } from '../../shared/errors'
import type { LostCopies, PrefetchOutcome, Snapshot, VideoState } from '../../shared/media'
import type { Scope } from '../cases/case-service'
import type { KeyStore, SealKey } from '../cases/seal'
import { fsyncFolder, writeFileDurably } from '../fs/durable'
import type { Logger } from '../log'
import type { OneShotClient } from '../oneshot/client'
import { scopeKey } from '../scope'
import { fetchIndexAhead } from './index-ahead'
import {
  createSealedWriter,
  damaged,
  HEADER_BYTES,
  openBuffer,
  openHeader,
  type SealedWriter,
  sealBuffer,
  sealedSize,
} from './sealed-file'
import { type MediaSource, readSealed, type SealedChunks, streamSealed, videoTypeOf } from './sealed-stream'

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
  /** The media key, in the OS keychain: it wraps each cached file's own key. */
  keys: KeyStore
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
  /** Whether the next case's video may download in the background (a setting). */
  prefetch: () => boolean
  /** Bytes free on the disk that holds the cache; the file system's own figure unless a test says. */
  freeBytes?: (folder: string) => Promise<number>
  log: Logger
  now?: () => Date
}

/** A download under way: how far it is, its part file's writer, and who waits for more of it. */
interface Transfer {
  part: string | undefined
  /** The sealed part file being written (a new one each time the download starts over). */
  writer: SealedWriter | undefined
  /** The file's own key, the same through every start over. */
  fileKey: Buffer
  /** Bytes received, for the progress shown. */
  bytes: number
  total: number | undefined
  state: VideoState
  abort: AbortController
  done: Promise<void>
  /** Resolves at the next piece, the end, or a failure. */
  next(): Promise<void>
  /** Wakes whoever waits on `next`. */
  wake(): void
}

const PROGRESS_EVERY_MS = 250
/** Downloads at once: the case on screen and the one ahead of it. */
const MAX_DOWNLOADS = 2
/**
 * A video downloads ahead only while the cache's disk keeps at least this much free: room for a long
 * video (about 500 MB at an office link's rate) with the rest of the computer's needs beside it.
 */
const PREFETCH_MIN_FREE_BYTES = 2 * 1024 ** 3
/** How much of a video's start shows where its index is. */
const HEAD_BYTES = 4096
const SPEED_WINDOW_MS = 2000
const VIDEO_SUFFIX = '.video.enc'
const SNAPSHOT_SUFFIX = '.png.enc'
/** A snapshot from before the cache was sealed, kept as plain PNG. */
const PLAIN_SNAPSHOT_SUFFIX = '.png'
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

const scopeIds = new Map<string, string>()
/** An id for an Optimizer and environment, so that the same pk elsewhere is another file; hashed once per scope. */
function scopeId(scope: Scope): string {
  const key = scopeKey(scope)
  let id = scopeIds.get(key)
  if (id === undefined) {
    id = createHash('sha256').update(key).digest('hex').slice(0, 12)
    scopeIds.set(key, id)
  }
  return id
}

/** Makes a folder readable by the user only (on systems with modes), whatever the umask. */
function privateFolder(folder: string): void {
  mkdirSync(folder, { recursive: true, mode: 0o700 })
  if (process.platform !== 'win32') chmodSync(folder, 0o700)
}

/** The header of a sealed file, or undefined where there is no such file. */
async function readHeader(file: string): Promise<{ header: Buffer; size: number } | undefined> {
  const handle = await open(file, 'r').catch(() => undefined)
  if (!handle) return undefined
  try {
    const header = Buffer.alloc(HEADER_BYTES)
    const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0)
    return { header: header.subarray(0, bytesRead), size: (await handle.stat()).size }
  } finally {
    await handle.close()
  }
}

const isDamage = (error: unknown) => error instanceof AppError && error.code === 'media_damaged'

async function diskFreeBytes(folder: string): Promise<number> {
  const disk = await statfs(folder)
  return disk.bavail * disk.bsize
}

/**
 * The cases' videos on this computer: downloaded through main into a private cache, sealed as they
 * arrive, with progress and cancel, readable while they download; snapshots of frames kept with the case,
 * sealed too; a purge of both some days after their case is final, and a "clear cache".
 */
export function createVideoService(options: VideoServiceOptions) {
  const { oneshot, log } = options
  const now = () => (options.now ?? (() => new Date()))()
  const videos = path.join(options.cacheDir, 'videos')
  const snapshots = path.join(options.cacheDir, 'snapshots')
  privateFolder(options.cacheDir)
  privateFolder(videos)
  privateFolder(snapshots)

  const transfers = new Map<string, Transfer>()
  /**
   * The downloads wanted most: the case the officer opened last, and the one downloading ahead for the
   * case that comes next. Another (a case left) runs on only until a download needs its place.
   */
  const wanted: { open?: string; ahead?: string } = {}
  /** Downloads ahead being started, so two asks at once make one. */
  const startingAhead = new Map<string, Promise<PrefetchOutcome>>()
  /** Opening under way per case: a second open at once joins the first, never starts a second download. */
  const opening = new Map<string, Promise<{ url: string; state: VideoState; lostCopies?: LostCopies }>>()
  /** Saved copies found damaged: shown as such once; the next open downloads them again. */
  const damagedCopies = new Set<string>()
  /** The media key last read from the keychain; each open reads it again, the protocol uses this one. */
  let knownKey: SealKey | undefined
  const stemOf = (videoidPk: number, scope: Scope = options.scope()) => `${scopeId(scope)}-${videoidPk}`
  const videoFile = (stem: string) => path.join(videos, `${stem}${VIDEO_SUFFIX}`)
  const damagedState = (): VideoState => ({ status: 'failed', error: damaged().toShape() })

  async function mediaKey(): Promise<SealKey> {
    knownKey = await options.keys.readOrCreate()
    return knownKey
  }

  async function requireCase(videoidPk: number): Promise<string> {
    if (!(await options.hasCase(videoidPk)))
      throw new AppError('not_found', 'This case is not in the case book.')
    return stemOf(videoidPk)
  }

  function reportDamage(stem: string, videoidPk: number): void {
    if (damagedCopies.has(stem)) return
    damagedCopies.add(stem)
    log.warn('saved video damaged', { videoidPk })
    options.onState(videoidPk, damagedState())
  }

  /** What the cache holds for a case: nothing, a whole video, one another media key sealed, or damage. */
  async function savedCopy(stem: string, key: SealKey) {
    const found = await readHeader(videoFile(stem))
    if (!found) return 'none'
    try {
      const opened = openHeader(found.header, key)
      if (opened === 'other_key') return opened
      if (found.size !== sealedSize(opened.plainSize)) throw damaged()
      return opened
    } catch (error) {
      if (isDamage(error)) return 'damaged'
      throw error
    }
  }

  /**
   * Deletes every cached file another media key sealed: with that key gone from the keychain, nothing
   * can read them. Videos download again on demand; snapshots are lost.
   */
  async function purgeOtherKeys(key: SealKey): Promise<LostCopies> {
    const sealedElsewhere = async (file: string) => {
      const found = await readHeader(file)
      try {
        return found !== undefined && openHeader(found.header, key) === 'other_key'
      } catch {
        return false
      }
    }
    const lost = { videos: 0, snapshots: 0 }
    for (const name of await readdir(videos)) {
      if (!name.endsWith(VIDEO_SUFFIX) || !(await sealedElsewhere(path.join(videos, name)))) continue
      await rm(path.join(videos, name), { force: true })
      lost.videos++
    }
    for (const stem of await readdir(snapshots)) {
      const folder = path.join(snapshots, stem)
      for (const name of await readdir(folder)) {
        if (!name.endsWith(SNAPSHOT_SUFFIX) || !(await sealedElsewhere(path.join(folder, name)))) continue
        const id = name.slice(0, -SNAPSHOT_SUFFIX.length)
        await rm(path.join(folder, name), { force: true })
        await rm(path.join(folder, `${id}.json`), { force: true })
        lost.snapshots++
      }
    }
    log.warn('media key not in the keychain: cached copies it sealed deleted', lost)
    return lost
  }

  /** The chunks of a download under way, for readers: on disk, in memory, or waited for. */
  function transferChunks(transfer: Transfer, plainSize: number, finalFile: string): SealedChunks {
    const whole = () => transfer.state.status === 'ready'
    const live = () => transfer.state.status === 'downloading'
    const holds = (position: number) => whole() || (live() && (transfer.writer?.holds(position) ?? false))
    return {
      fileKey: transfer.fileKey,
      plainSize,
      // A download that ends moves its file into place between the look and the open.
      open: () => open(transfer.part ?? finalFile, 'r').catch(() => open(finalFile, 'r')),
      async ready(position) {
        while (transfer.state.status === 'downloading' && !holds(position)) await transfer.next()
        return holds(position)
      },
      has: (index) => whole() || (live() && (transfer.writer?.has(index) ?? false)),
      inMemory: (position) => (live() ? transfer.writer?.inMemory(position) : undefined),
      // A part file is not a saved copy yet: a failed chunk there ends the response, no more.
      onDamage: () => undefined,
    }
  }

  async function indexAhead(videoidPk: number, stem: string, writer: SealedWriter, total: number) {
    const transfer = transfers.get(stem)
    if (!transfer) return
    const chunks = transferChunks(transfer, total, videoFile(stem))
    const head = await readSealed(chunks, { start: 0, end: Math.min(HEAD_BYTES, total) - 1 })
    const outcome = await fetchIndexAhead({
      head,
      total,
      has: writer.has,
      writeChunk: (index, plain, last) => {
        writer.writeChunk(index, plain, last)
        transfer.wake()
      },
      readRange: (range, onPiece) => oneshot.readVideoRange(videoidPk, range, onPiece, transfer.abort.signal),
    })
    if (outcome !== 'not_needed') log.info('video index fetched ahead', { outcome })
  }

  /**
   * Makes room for one more download, so that at most two run at once: stops those no longer wanted
   * (cases left), oldest first, and, for the officer's open where that is not enough, the one ahead.
   */
  function makeRoom(): void {
    const live = [...transfers].filter(([, transfer]) => !transfer.abort.signal.aborted)
    const unwanted = live.filter(([stem]) => stem !== wanted.open && stem !== wanted.ahead)
    const ahead = live.filter(([stem]) => stem === wanted.ahead && stem !== wanted.open)
    const yielding = [...unwanted, ...ahead]
    for (let excess = live.length + 1 - MAX_DOWNLOADS; excess > 0; excess--) {
      const [stem, transfer] = yielding.shift() ?? []
      if (!transfer) return
      log.info('video download stopped to make room', { stem })
      transfer.abort.abort()
    }
  }

  /** The case's download, started now unless one runs already (the officer's open and one ahead meet). */
  function start(videoidPk: number, stem: string, key: SealKey): Transfer {
    const running = transfers.get(stem)
    if (running) return running
    makeRoom()
    const abort = new AbortController()
    let wakeWaiting: () => void = () => undefined
    let waiting = new Promise<void>((resolve) => (wakeWaiting = resolve))
    const samples: [number, number][] = []
    let lastReport = 0
    let headRead = false
    const transfer: Transfer = {
      part: undefined,
      writer: undefined,
      fileKey: randomBytes(32),
      bytes: 0,
      total: undefined,
      state: { status: 'downloading', bytes: 0, bytesPerSecond: 0 },
      abort,
      next: () => waiting,
      wake: () => {
        const woken = wakeWaiting
        waiting = new Promise<void>((resolve) => (wakeWaiting = resolve))
        woken()
      },
      done: Promise.resolve(),
    }
    const settle = (state: VideoState) => {
      transfer.state = state
      transfer.wake()
    }
    transfers.set(stem, transfer)
    transfer.done = oneshot
      .downloadVideo(videoidPk, videoFile(stem), {
        signal: abort.signal,
        onPartFile: (file) => {
          transfer.part = file
        },
        writer: (fd) => {
          transfer.writer = createSealedWriter(fd, key, transfer.fileKey)
          headRead = false
          transfer.wake()
          return transfer.writer
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
          const writer = transfer.writer
          if (writer && !headRead && total !== undefined && bytes >= Math.min(HEAD_BYTES, total)) {
            headRead = true
            void indexAhead(videoidPk, stem, writer, total).catch((error: unknown) =>
              log.warn('video index not fetched ahead', {
                code: error instanceof AppError ? error.code : 'internal',
              }),
            )
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

  async function openOnce(videoidPk: number, stem: string) {
    await requireCase(videoidPk)
    const url = options.mediaUrl(`/case/${videoidPk}/video`)
    const running = transfers.get(stem)
    if (running) return { url, state: running.state }
    const key = await mediaKey()
    // A copy shown damaged is downloaded afresh when the officer asks for it again.
    if (damagedCopies.delete(stem)) await rm(videoFile(stem), { force: true })
    const saved = await savedCopy(stem, key)
    if (saved === 'damaged') {
      damagedCopies.add(stem)
      return { url, state: damagedState() }
    }
    if (saved === 'other_key') {
      const lostCopies = await purgeOtherKeys(key)
      return { url, state: start(videoidPk, stem, key).state, lostCopies }
    }
    if (saved === 'none') return { url, state: start(videoidPk, stem, key).state }
    return { url, state: { status: 'ready', bytes: saved.plainSize } satisfies VideoState }
  }

  /** A whole saved video, for the media protocol; undefined where there is none this key can read. */
  async function savedSource(
    stem: string,
    videoidPk: number,
    key: SealKey,
  ): Promise<MediaSource | undefined> {
    const saved = await savedCopy(stem, key)
    if (saved === 'damaged') {
      reportDamage(stem, videoidPk)
      throw damaged()
    }
    if (saved === 'none' || saved === 'other_key') return undefined
    const file = videoFile(stem)
    const chunks: SealedChunks = {
      ...saved,
      open: () => open(file, 'r'),
      ready: async () => true,
      has: () => true,
      inMemory: () => undefined,
      onDamage: () => reportDamage(stem, videoidPk),
    }
    return sourceOf(chunks)
  }

  async function sourceOf(chunks: SealedChunks): Promise<MediaSource> {
    const head = chunks.plainSize
      ? await readSealed(chunks, { start: 0, end: Math.min(4, chunks.plainSize) - 1 })
      : Buffer.alloc(0)
    return { size: chunks.plainSize, type: videoTypeOf(head), stream: (range) => streamSealed(chunks, range) }
  }

  async function snapshotsOf(videoidPk: number): Promise<Snapshot[]> {
    const stem = await requireCase(videoidPk)
    const folder = path.join(snapshots, stem)
    const names = await readdir(folder).catch(() => [] as string[])
    const found: Snapshot[] = []
    for (const name of names.filter((candidate) => candidate.endsWith('.json'))) {
      const id = name.slice(0, -'.json'.length)
      if (!names.includes(`${id}${SNAPSHOT_SUFFIX}`)) continue
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

  /** Seals the plain snapshots kept before the cache was sealed; they stay unserved until then. */
  async function sealPlainSnapshots(folder: string, key: () => Promise<SealKey>): Promise<number> {
    let sealed = 0
    for (const name of await readdir(folder)) {
      if (!name.endsWith(PLAIN_SNAPSHOT_SUFFIX)) continue
      const plain = path.join(folder, name)
      const id = name.slice(0, -PLAIN_SNAPSHOT_SUFFIX.length)
      writeFileDurably(
        path.join(folder, `${id}${SNAPSHOT_SUFFIX}`),
        sealBuffer(await key(), await readFile(plain)),
      )
      await rm(plain, { force: true })
      sealed++
    }
    return sealed
  }

  return {
    /**
     * The video of a case: ready from the cache, or downloading (started now if need be). Two opens at
     * once share one: the first registers itself before it waits for anything.
     */
    open(videoidPk: number): Promise<{ url: string; state: VideoState; lostCopies?: LostCopies }> {
      const stem = stemOf(videoidPk)
      wanted.open = stem
      const pending = opening.get(stem)
      if (pending) return pending
      const opened = openOnce(videoidPk, stem).finally(() => opening.delete(stem))
      opening.set(stem, opened)
      return opened
    },

    /**
     * Downloads the video of the case the officer will open next, while they review this one (a
     * setting, on by default), unless it is saved already or the cache's disk is short of room. The
     * download ahead for a case no longer next gives way to it if two run.
     */
    prefetch(videoidPk: number): Promise<PrefetchOutcome> {
      const stem = stemOf(videoidPk)
      wanted.ahead = stem
      const pending = startingAhead.get(stem)
      if (pending) return pending
      const starting = (async (): Promise<PrefetchOutcome> => {
        if (!options.prefetch()) return 'off'
        await requireCase(videoidPk)
        if (transfers.has(stem) || opening.has(stem)) return 'running'
        const key = await mediaKey()
        // A copy found damaged or sealed under a lost key is the officer's open to deal with.
        if ((await savedCopy(stem, key)) !== 'none') return 'saved'
        if ((await (options.freeBytes ?? diskFreeBytes)(videos)) < PREFETCH_MIN_FREE_BYTES) return 'no_room'
        // Asked for another case meanwhile: this one is no longer next.
        if (wanted.ahead !== stem) return 'replaced'
        start(videoidPk, stem, key)
        log.info('video downloading ahead', { videoidPk })
        return 'started'
      })().finally(() => startingAhead.delete(stem))
      startingAhead.set(stem, starting)
      return starting
    },

    async cancel(videoidPk: number): Promise<VideoState> {
      const stem = await requireCase(videoidPk)
      await opening.get(stem)?.catch(() => undefined)
      const running = transfers.get(stem)
      running?.abort.abort()
      await running?.done
      const saved = await savedCopy(stem, knownKey ?? (await mediaKey()))
      return typeof saved === 'object' ? { status: 'ready', bytes: saved.plainSize } : { status: 'none' }
    },

    /** Cancels every download under way (the app is quitting), and waits for each to clean up. */
    async stopAll(): Promise<void> {
      await Promise.allSettled([...opening.values()])
      const running = [...transfers.values()]
      for (const transfer of running) transfer.abort.abort()
      await Promise.all(running.map((transfer) => transfer.done))
    },

    /**
     * What the media protocol serves for a case's video: a whole saved copy, or one still downloading,
     * read as it arrives. Undefined where there is none (or none this media key can read).
     */
    async source(videoidPk: number): Promise<MediaSource | undefined> {
      if (!(await options.hasCase(videoidPk))) return undefined
      const stem = stemOf(videoidPk)
      const running = transfers.get(stem)
      if (!running) return savedSource(stem, videoidPk, knownKey ?? (await mediaKey()))
      // The size comes with the first piece; a download that never says it is served once it ends.
      while (running.total === undefined && running.state.status === 'downloading') await running.next()
      const size = running.total ?? (running.state.status === 'ready' ? running.state.bytes : undefined)
      if (size === undefined) return undefined
      const chunks = transferChunks(running, size, videoFile(stem))
      if (size > 0 && !(await chunks.ready(0))) return undefined
      // A download stopped meanwhile (cancelled, the app quitting) leaves no file: no video to serve.
      return sourceOf(chunks).catch((error: unknown) => {
        if (running.state.status === 'downloading' || running.state.status === 'ready') throw error
        return undefined
      })
    },

    async saveSnapshot(videoidPk: number, videoTimeSeconds: number, png: Buffer): Promise<Snapshot> {
      const stem = await requireCase(videoidPk)
      if (!png.subarray(0, 8).equals(PNG_SIGNATURE))
        throw new AppError('invalid_input', 'A snapshot must be a PNG image.')
      const key = await mediaKey()
      const folder = path.join(snapshots, stem)
      if (!existsSync(folder)) {
        privateFolder(folder)
        fsyncFolder(snapshots)
      }
      const id = `${now().getTime()}-${randomBytes(4).toString('hex')}`
      const meta = { videoTimeSeconds, takenAt: now().toISOString() }
      writeFileDurably(path.join(folder, `${id}${SNAPSHOT_SUFFIX}`), sealBuffer(key, png))
      writeFileDurably(path.join(folder, `${id}.json`), JSON.stringify(meta))
      return { ...meta, id, url: options.mediaUrl(`/case/${videoidPk}/snapshot/${id}`) }
    },

    snapshots: snapshotsOf,

    /** A snapshot's PNG, opened, for the media protocol; undefined where there is none it can read. */
    async snapshot(videoidPk: number, id: string): Promise<Buffer | undefined> {
      if (!/^\d+-[0-9a-f]{8}$/.test(id) || !(await options.hasCase(videoidPk))) return undefined
      const file = path.join(snapshots, stemOf(videoidPk), `${id}${SNAPSHOT_SUFFIX}`)
      const sealed = await readFile(file).catch(() => undefined)
      if (!sealed) return undefined
      const png = openBuffer(knownKey ?? (await mediaKey()), sealed)
      return png === 'other_key' ? undefined : png
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
     * book: their videos and their snapshots (a face and a document are personal data), any piece a
     * download left when the app quit before it ended, and videos kept plain before the cache was sealed
     * (they download again). Plain snapshots, which cannot, are sealed. Answers how many entries went.
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
        if (name.endsWith('.part') ? transfers.has(stem) : name.endsWith(VIDEO_SUFFIX) && !expired(stem))
          continue
        await rm(path.join(videos, name), { force: true })
        purged++
      }
      let key: Promise<SealKey> | undefined
      let sealed = 0
      for (const stem of await readdir(snapshots)) {
        const folder = path.join(snapshots, stem)
        if (expired(stem)) {
          await rm(folder, { recursive: true, force: true })
          purged++
        } else sealed += await sealPlainSnapshots(folder, () => (key ??= mediaKey()))
      }
      if (purged) log.info('video cache purged', { entries: purged })
      if (sealed) log.info('plain snapshots sealed', { snapshots: sealed })
      return purged
    },
  }
}

export type VideoService = ReturnType<typeof createVideoService>
