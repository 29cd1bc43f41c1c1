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
import { storageError } from '../oneshot/download'
import { scopeKey } from '../scope'
import { fetchIndexAhead } from './index-ahead'
import {
  createSealedWriter,
  damaged,
  HEADER_BYTES,
  isUnbound,
  openBuffer,
  openHeader,
  openUnbound,
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
  /** The client of one scope's Optimizer: a download keeps the one its open took, whatever is set later. */
  oneshotFor: (scope: Scope) => Pick<OneShotClient, 'downloadVideo' | 'readVideoRange'>
  /** The media key, in the OS keychain: it wraps each cached file's own key. */
  keys: KeyStore
  /** Whether the case is in the case book, in that Optimizer and environment. */
  hasCase: (videoidPk: number, scope: Scope) => Promise<boolean>
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
  /** The answer's strong ETag: a range fetched ahead is taken only from the same version of the file. */
  validator: string | undefined
  /** A chunk of the part file failed its authentication: the download stops, and says so. */
  damaged: boolean
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

/** What a sealed file's key wrap is bound to (its place), so a file copied over another's name is damage. */
const videoBinding = (stem: string) => `video ${stem}`
const snapshotBinding = (stem: string, id: string) => `snapshot ${stem} ${id}`

/** The names of a folder's entries of one kind: a stray entry of another (`.DS_Store`) is no case's. */
async function entriesIn(folder: string, kind: 'file' | 'folder'): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true })
  return entries
    .filter((entry) => (kind === 'file' ? entry.isFile() : entry.isDirectory()))
    .map((entry) => entry.name)
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
const codeOf = (error: unknown) => (error instanceof AppError ? error.code : 'internal')

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
  const { log } = options
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
  /** Cancels asked per case: an open started before the last of them starts no download. */
  const cancels = new Map<string, number>()
  /** Snapshot folders being upgraded (plain or version-1 files sealed again), one pass at a time each. */
  const upgrading = new Map<string, Promise<void>>()
  const stemOf = (videoidPk: number, scope: Scope = options.scope()) => `${scopeId(scope)}-${videoidPk}`
  /** Whether the case's download is cancelled after now: what was asked for before the cancel starts nothing. */
  const cancelWatch = (stem: string) => {
    const asked = cancels.get(stem) ?? 0
    return () => (cancels.get(stem) ?? 0) !== asked
  }
  const videoFile = (stem: string) => path.join(videos, `${stem}${VIDEO_SUFFIX}`)
  const damagedState = (): VideoState => ({ status: 'failed', error: damaged().toShape() })

  async function mediaKey(): Promise<SealKey> {
    knownKey = await options.keys.readOrCreate()
    return knownKey
  }

  async function requireCase(videoidPk: number, scope: Scope = options.scope()): Promise<string> {
    if (!(await options.hasCase(videoidPk, scope)))
      throw new AppError('not_found', 'This case is not in the case book.')
    return stemOf(videoidPk, scope)
  }

  /** Runs one entry's part of a pass over the cache; a failure is logged and the pass goes on. */
  async function keepGoing(what: string, task: () => Promise<unknown>): Promise<void> {
    try {
      await task()
    } catch (error) {
      log.warn(`${what}: skipped`, { code: codeOf(error) })
    }
  }

  function reportDamage(stem: string, videoidPk: number): void {
    if (damagedCopies.has(stem)) return
    damagedCopies.add(stem)
    log.warn('saved video damaged', { videoidPk })
    options.onState(videoidPk, damagedState())
  }

  /**
   * What the cache holds for a case: nothing (or a copy from before files were bound to their place,
   * which downloads again), a whole video, one another media key sealed, or damage.
   */
  async function savedCopy(stem: string, key: SealKey) {
    const found = await readHeader(videoFile(stem))
    if (!found) return 'none'
    try {
      const opened = openHeader(found.header, key, videoBinding(stem))
      if (opened === 'unbound') return 'none'
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
    const sealedElsewhere = async (file: string, binding: string) => {
      const found = await readHeader(file)
      try {
        return found !== undefined && openHeader(found.header, key, binding) === 'other_key'
      } catch {
        return false
      }
    }
    const lost = { videos: 0, snapshots: 0 }
    for (const name of await entriesIn(videos, 'file')) {
      if (!name.endsWith(VIDEO_SUFFIX)) continue
      const file = path.join(videos, name)
      await keepGoing('lost key purge of a video', async () => {
        if (!(await sealedElsewhere(file, videoBinding(name.slice(0, -VIDEO_SUFFIX.length))))) return
        await rm(file, { force: true })
        lost.videos++
      })
    }
    for (const stem of await entriesIn(snapshots, 'folder')) {
      const folder = path.join(snapshots, stem)
      await keepGoing('lost key purge of a snapshot folder', async () => {
        for (const name of await entriesIn(folder, 'file')) {
          if (!name.endsWith(SNAPSHOT_SUFFIX)) continue
          const id = name.slice(0, -SNAPSHOT_SUFFIX.length)
          await keepGoing('lost key purge of a snapshot', async () => {
            if (!(await sealedElsewhere(path.join(folder, name), snapshotBinding(stem, id)))) return
            await rm(path.join(folder, name), { force: true })
            await rm(path.join(folder, `${id}.json`), { force: true })
            lost.snapshots++
          })
        }
      })
    }
    log.warn('media key not in the keychain: cached copies it sealed deleted', lost)
    return lost
  }

  /** The chunks of a download under way, for readers: on disk, in memory, or waited for. */
  function transferChunks(
    transfer: Transfer,
    plainSize: number,
    videoidPk: number,
    stem: string,
  ): SealedChunks {
    const finalFile = videoFile(stem)
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
      onDamage: () => {
        if (transfer.state.status === 'ready') return reportDamage(stem, videoidPk)
        // The part file was damaged under the download: it stops and says so; the next open starts afresh.
        transfer.damaged = true
        transfer.abort.abort()
      },
    }
  }

  async function indexAhead(
    client: ReturnType<VideoServiceOptions['oneshotFor']>,
    transfer: Transfer,
    videoidPk: number,
    stem: string,
    writer: SealedWriter,
    total: number,
  ) {
    const chunks = transferChunks(transfer, total, videoidPk, stem)
    const head = await readSealed(chunks, { start: 0, end: Math.min(HEAD_BYTES, total) - 1 })
    const outcome = await fetchIndexAhead({
      head,
      total,
      validator: transfer.validator,
      has: writer.has,
      writeChunk: (index, plain, last) => {
        writer.writeChunk(index, plain, last)
        transfer.wake()
      },
      readRange: (range, ifRange, onPiece) =>
        client.readVideoRange(videoidPk, range, onPiece, { signal: transfer.abort.signal, ifRange }),
    })
    if (outcome !== 'not_needed') log.info('video index fetched ahead', { outcome })
  }

  /** The case's download under way, unless it is being stopped (a cancel, or room made for another). */
  function live(stem: string): Transfer | undefined {
    const transfer = transfers.get(stem)
    return transfer?.abort.signal.aborted ? undefined : transfer
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

  /**
   * The case's download, from the Optimizer of the scope its open took (whatever is set meanwhile),
   * started now unless one runs already (the officer's open and one ahead meet).
   */
  function start(videoidPk: number, stem: string, key: SealKey, scope: Scope): Transfer {
    const running = live(stem)
    if (running) return running
    makeRoom()
    const client = options.oneshotFor(scope)
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
      validator: undefined,
      damaged: false,
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
    transfer.done = client
      .downloadVideo(videoidPk, videoFile(stem), {
        signal: abort.signal,
        onPartFile: (file) => {
          transfer.part = file
        },
        onAnswer: ({ validator }) => {
          transfer.validator = validator
        },
        writer: (fd) => {
          transfer.writer = createSealedWriter(fd, key, transfer.fileKey, videoBinding(stem))
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
            void indexAhead(client, transfer, videoidPk, stem, writer, total).catch((error: unknown) =>
              log.warn('video index not fetched ahead', { code: codeOf(error) }),
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
          if (transfer.damaged) settle(damagedState())
          else if (failure.code === 'cancelled') settle({ status: 'none' })
          else settle({ status: 'failed', error: failure.toShape() })
        },
      )
      .finally(() => {
        if (transfers.get(stem) === transfer) transfers.delete(stem)
        // A download started afresh meanwhile speaks for the case from now on.
        if (!transfers.has(stem)) options.onState(videoidPk, transfer.state)
      })
    return transfer
  }

  /**
   * Opens a case's video in the scope the open took. `cancelledSince` says whether a cancel came after
   * this open was asked for: then it starts nothing.
   */
  async function openOnce(videoidPk: number, stem: string, scope: Scope, cancelledSince: () => boolean) {
    await requireCase(videoidPk, scope)
    const url = options.mediaUrl(`/case/${videoidPk}/video`)
    // A download being stopped ends first: this open starts afresh rather than join it.
    const stopping = transfers.get(stem)
    if (stopping?.abort.signal.aborted) await stopping.done
    const running = live(stem)
    if (running) return { url, state: running.state }
    const key = await mediaKey()
    // A copy shown damaged is downloaded afresh when the officer asks for it again.
    if (damagedCopies.delete(stem)) await rm(videoFile(stem), { force: true })
    const saved = await savedCopy(stem, key)
    if (saved === 'damaged') {
      damagedCopies.add(stem)
      return { url, state: damagedState() }
    }
    const begin = (): VideoState =>
      cancelledSince() ? { status: 'none' } : start(videoidPk, stem, key, scope).state
    if (saved === 'other_key') {
      const lostCopies = await purgeOtherKeys(key)
      return { url, state: begin(), lostCopies }
    }
    if (saved === 'none') return { url, state: begin() }
    return { url, state: { status: 'ready', bytes: saved.plainSize } satisfies VideoState }
  }

  /** A whole saved video, for the media protocol; undefined where there is none this key can read. */
  async function savedSource(
    stem: string,
    videoidPk: number,
    key: SealKey,
  ): Promise<MediaSource | undefined> {
    // A copy found damaged serves nothing more, not even its sound ranges, until it is downloaded again.
    if (damagedCopies.has(stem)) throw damaged()
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
    // What an earlier pass could not seal (a locked keychain at start) is sealed now, when it can be.
    await upgradeSnapshots(stem, mediaKey)
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

  /**
   * Seals, bound to where they lie, a case's snapshots kept before: plain PNGs from before the cache was
   * sealed, and files of version 1, bound to no place. They stay unserved until then. One pass per
   * folder at a time (the purge and a listing may meet); the media key is read only if there is work.
   */
  function upgradeSnapshots(stem: string, key: () => Promise<SealKey>): Promise<void> {
    let pass = upgrading.get(stem)
    if (!pass) {
      pass = upgradeFolder(stem, key).finally(() => upgrading.delete(stem))
      upgrading.set(stem, pass)
    }
    return pass
  }

  async function upgradeFolder(stem: string, key: () => Promise<SealKey>): Promise<void> {
    const folder = path.join(snapshots, stem)
    let sealed = 0
    for (const name of await entriesIn(folder, 'file').catch(() => [] as string[])) {
      const plain = name.endsWith(PLAIN_SNAPSHOT_SUFFIX)
      if (!plain && !name.endsWith(SNAPSHOT_SUFFIX)) continue
      const id = name.slice(0, -(plain ? PLAIN_SNAPSHOT_SUFFIX : SNAPSHOT_SUFFIX).length)
      const file = path.join(folder, name)
      // A locked keychain (or a damaged file) leaves this one as it is, for a later pass.
      await keepGoing('sealing a kept snapshot', async () => {
        if (!plain && !isUnbound((await readHeader(file))?.header ?? Buffer.alloc(0))) return
        const png = plain ? await readFile(file) : openUnbound(await key(), await readFile(file))
        if (png === 'other_key') {
          // Sealed under a media key the keychain no longer holds: nothing can read it again.
          await rm(file, { force: true })
          await rm(path.join(folder, `${id}.json`), { force: true })
          log.warn('snapshot sealed under a lost media key deleted', { id })
          return
        }
        writeFileDurably(
          path.join(folder, `${id}${SNAPSHOT_SUFFIX}`),
          sealBuffer(await key(), png, snapshotBinding(stem, id)),
        )
        if (plain) await rm(file, { force: true })
        sealed++
      })
    }
    if (sealed) log.info('snapshots sealed', { snapshots: sealed })
  }

  return {
    /**
     * The video of a case: ready from the cache, or downloading (started now if need be). Two opens at
     * once share one: the first registers itself before it waits for anything.
     */
    open(videoidPk: number): Promise<{ url: string; state: VideoState; lostCopies?: LostCopies }> {
      const scope = options.scope()
      const stem = stemOf(videoidPk, scope)
      wanted.open = stem
      const pending = opening.get(stem)
      if (pending) return pending
      const opened = openOnce(videoidPk, stem, scope, cancelWatch(stem)).finally(
        () => opening.get(stem) === opened && opening.delete(stem),
      )
      opening.set(stem, opened)
      return opened
    },

    /**
     * Downloads the video of the case the officer will open next, while they review this one (a
     * setting, on by default), unless it is saved already or the cache's disk is short of room. The
     * download ahead for a case no longer next gives way to it if two run.
     */
    prefetch(videoidPk: number): Promise<PrefetchOutcome> {
      const scope = options.scope()
      const stem = stemOf(videoidPk, scope)
      wanted.ahead = stem
      const pending = startingAhead.get(stem)
      if (pending) return pending
      const cancelledSince = cancelWatch(stem)
      const starting = (async (): Promise<PrefetchOutcome> => {
        if (!options.prefetch()) return 'off'
        await requireCase(videoidPk, scope)
        if (live(stem) || opening.has(stem)) return 'running'
        const key = await mediaKey()
        // A copy found damaged or sealed under a lost key is the officer's open to deal with.
        if ((await savedCopy(stem, key)) !== 'none') return 'saved'
        if ((await (options.freeBytes ?? diskFreeBytes)(videos)) < PREFETCH_MIN_FREE_BYTES) return 'no_room'
        // Asked for another case meanwhile: this one is no longer next.
        if (wanted.ahead !== stem) return 'replaced'
        // The case's download cancelled meanwhile (the officer got to it and stopped it): not ahead either.
        if (cancelledSince()) return 'cancelled'
        start(videoidPk, stem, key, scope)
        log.info('video downloading ahead', { videoidPk })
        return 'started'
      })().finally(() => startingAhead.get(stem) === starting && startingAhead.delete(stem))
      startingAhead.set(stem, starting)
      return starting
    },

    /**
     * Stops the case's download, running or about to start, before anything else is asked: an open
     * that comes after this starts afresh, never joins the download being stopped.
     */
    async cancel(videoidPk: number): Promise<VideoState> {
      const stem = stemOf(videoidPk)
      cancels.set(stem, (cancels.get(stem) ?? 0) + 1)
      const pending = opening.get(stem)
      opening.delete(stem)
      // An ask ahead from before the cancel starts nothing; one asked after it is asked afresh.
      startingAhead.delete(stem)
      const running = transfers.get(stem)
      running?.abort.abort()
      await requireCase(videoidPk)
      await pending?.catch(() => undefined)
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
      const scope = options.scope()
      if (!(await options.hasCase(videoidPk, scope))) return undefined
      const stem = stemOf(videoidPk, scope)
      const running = transfers.get(stem)
      if (!running) return savedSource(stem, videoidPk, knownKey ?? (await mediaKey()))
      // The size comes with the first piece; a download that never says it is served once it ends.
      while (running.total === undefined && running.state.status === 'downloading') await running.next()
      const size = running.total ?? (running.state.status === 'ready' ? running.state.bytes : undefined)
      if (size === undefined) return undefined
      const chunks = transferChunks(running, size, videoidPk, stem)
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
      const id = `${now().getTime()}-${randomBytes(4).toString('hex')}`
      const meta = { videoTimeSeconds, takenAt: now().toISOString() }
      const sealedFile = path.join(folder, `${id}${SNAPSHOT_SUFFIX}`)
      try {
        if (!existsSync(folder)) {
          privateFolder(folder)
          fsyncFolder(snapshots)
        }
        writeFileDurably(sealedFile, sealBuffer(key, png, snapshotBinding(stem, id)))
        writeFileDurably(path.join(folder, `${id}.json`), JSON.stringify(meta))
      } catch (error) {
        // A snapshot without its record is listed nowhere: it goes too, and the officer is told why.
        await rm(sealedFile, { force: true })
        throw storageError(error, 'The snapshot could not be saved on this computer.')
      }
      return { ...meta, id, url: options.mediaUrl(`/case/${videoidPk}/snapshot/${id}`) }
    },

    snapshots: snapshotsOf,

    /** A snapshot's PNG, opened, for the media protocol; undefined where there is none it can read. */
    async snapshot(videoidPk: number, id: string): Promise<Buffer | undefined> {
      const scope = options.scope()
      if (!/^\d+-[0-9a-f]{8}$/.test(id) || !(await options.hasCase(videoidPk, scope))) return undefined
      const stem = stemOf(videoidPk, scope)
      const sealed = await readFile(path.join(snapshots, stem, `${id}${SNAPSHOT_SUFFIX}`)).catch(
        () => undefined,
      )
      if (!sealed) return undefined
      const png = openBuffer(knownKey ?? (await mediaKey()), sealed, snapshotBinding(stem, id))
      return typeof png === 'string' ? undefined : png
    },

    /** How many videos the cache holds and how much space they take. */
    async cacheSize(): Promise<{ videos: number; bytes: number }> {
      let count = 0
      let bytes = 0
      for (const name of await entriesIn(videos, 'file')) {
        if (!name.endsWith(VIDEO_SUFFIX)) continue
        count++
        bytes += (await stat(path.join(videos, name))).size
      }
      return { videos: count, bytes }
    },

    /** Deletes every cached video (not the snapshots, which record what a decision relied on). */
    async clear(): Promise<{ freedBytes: number }> {
      let freedBytes = 0
      for (const name of await entriesIn(videos, 'file')) {
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
     * download left when the app quit before it ended, and videos kept plain or unbound to their place
     * before (they download again). None of that needs the media key, so it goes first; then plain and
     * version-1 snapshots, which cannot download again, are sealed where the keychain allows, and
     * where it does not (locked), at the next pass or listing. Answers how many entries went.
     */
    async purge(): Promise<number> {
      const keepUntil = now().getTime() - options.retentionDays() * 86_400_000
      const cases = new Map<string, CaseRetention>()
      for (const entry of await options.retention()) cases.set(stemOf(entry.videoidPk, entry), entry)
      const expired = (stem: string) => {
        const entry = cases.get(stem)
        return !entry || (isFinalStatus(entry.status) && Date.parse(entry.finalAt ?? '') < keepUntil)
      }
      const kept = async (name: string, stem: string) => {
        if (name.endsWith('.part')) return transfers.has(stem)
        if (!name.endsWith(VIDEO_SUFFIX) || expired(stem)) return false
        return !isUnbound((await readHeader(path.join(videos, name)))?.header ?? Buffer.alloc(0))
      }
      let purged = 0
      for (const name of await entriesIn(videos, 'file'))
        await keepGoing('video cache purge of a file', async () => {
          if (await kept(name, name.slice(0, name.indexOf('.')))) return
          await rm(path.join(videos, name), { force: true })
          purged++
        })
      const live: string[] = []
      for (const stem of await entriesIn(snapshots, 'folder')) {
        if (!expired(stem)) live.push(stem)
        else
          await keepGoing('video cache purge of a snapshot folder', async () => {
            await rm(path.join(snapshots, stem), { recursive: true, force: true })
            purged++
          })
      }
      if (purged) log.info('video cache purged', { entries: purged })
      let key: Promise<SealKey> | undefined
      for (const stem of live) await upgradeSnapshots(stem, () => (key ??= mediaKey()))
      return purged
    },
  }
}

export type VideoService = ReturnType<typeof createVideoService>
