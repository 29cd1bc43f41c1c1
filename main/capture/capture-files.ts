import { createHash } from 'node:crypto'
import { chmodSync, mkdirSync } from 'node:fs'
import { open, readdir, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import type { Checks, DocumentData, ImageSlot, VideoType } from '../../shared/capture'
import { AppError } from '../../shared/errors'
import type { Environment } from '../../shared/settings'
import type { KeyStore, SealKey } from '../cases/seal'
import { fsyncFolder, writeFileDurably } from '../fs/durable'
import type { ByteRange } from '../media/range'
import {
  CHUNK_BYTES,
  chunkCount,
  chunkLength,
  chunkOffset,
  HEADER_BYTES,
  openBuffer,
  openChunk,
  openHeader,
  sealBuffer,
  sealedChunkLength,
  sealedSize,
} from '../media/sealed-file'
import { type Scope, scopeKey } from '../scope'

/** What a capture keeps on disk, sealed: the steps done, and where its images and recording are. */
export interface StoredCapture {
  optimizer: string
  environment: Environment
  videoidPk: number
  requestPk: number
  startedAt: string
  /** The last change the officer made to it: a capture left unchanged too long is deleted. */
  changedAt?: string
  acceptance?: {
    acceptedAt: string
    ip: string
    userAgent: string
    privacyPolicyUrl: string
    termsUrl: string
  }
  images: Partial<
    Record<
      ImageSlot,
      {
        source: 'camera' | 'file'
        type: 'image/jpeg' | 'image/png'
        width: number
        height: number
        bytes: number
        takenAt: string
        sha256: string
      }
    >
  >
  document?: DocumentData
  checks?: Checks
  recording?: {
    take: string
    type: VideoType
    codecs?: string
    source: 'camera' | 'file'
    startedAt: string
    endedAt?: string
    ended?: 'stopped' | 'device_lost' | 'failed' | 'file' | 'interrupted'
    durationMs?: number
    prompts: { prompt: 'document_front' | 'document_rear' | 'turn_head'; atMs: number }[]
    devices?: { camera?: string; microphone?: string }
    /** Written when the recording ends, for the journal. */
    bytes?: number
    sha256?: string
  }
}

const DRAFT = 'capture.enc'
const totalOf = (sizes: readonly number[]) => ({
  pieces: sizes.length,
  bytes: sizes.reduce((sum, size) => sum + size, 0),
})
const PIECE = /^(\d{7})\.enc$/
const pieceName = (index: number) => `${String(index).padStart(7, '0')}.enc`
const imageName = (slot: ImageSlot) => `${slot}.enc`

/** Makes a folder readable by the user only (on systems with modes), whatever the umask. */
function privateFolder(folder: string): void {
  mkdirSync(folder, { recursive: true, mode: 0o700 })
  if (process.platform !== 'win32') chmodSync(folder, 0o700)
}

export const captureUnreadable = () =>
  new AppError(
    'capture_unreadable',
    'This capture cannot be read: the key that sealed it is no longer in the keychain, or it is damaged.',
  )

/**
 * The captures in progress on this computer, one folder per Video ID (by Optimizer and environment),
 * every file in it sealed in the video cache's format under the media key: the capture's record, each
 * image, and the recording as the pieces it arrived in, each written whole and flushed before it is
 * acknowledged, so that a crash keeps every piece received. Deleted once uploaded or abandoned.
 */
export function createCaptureFiles(options: { folder: string; keys: KeyStore }) {
  const root = options.folder
  privateFolder(root)
  /** Each take's piece sizes as known so far, so a piece's append need not list the folder again. */
  const pieceSizes = new Map<string, number[]>()

  const folderOf = (scope: Scope, videoidPk: number) =>
    path.join(root, `${createHash('sha256').update(scopeKey(scope)).digest('hex').slice(0, 12)}-${videoidPk}`)
  const takeFolder = (scope: Scope, videoidPk: number, take: string) =>
    path.join(folderOf(scope, videoidPk), `take-${take}`)

  /** What a sealed file is bound to (its place under the captures), so a file copied over another's name does not open. */
  const bindingOf = (file: string) => `capture ${path.relative(root, file)}`
  /** Writes a file sealed under the media key, bound to its place. */
  const writeSealed = async (file: string, plain: Buffer) =>
    writeFileDurably(file, sealBuffer(await sealingKey(), plain, bindingOf(file)))

  const sealingKey = () => options.keys.readOrCreate()
  async function readingKey(): Promise<SealKey> {
    const key = await options.keys.read()
    if (!key) throw captureUnreadable()
    return key
  }
  /** A sealed file's plaintext; undefined where there is none, and no key is needed for that. */
  async function readSealed(file: string, key: () => Promise<SealKey>): Promise<Buffer | undefined> {
    const sealed = await readFile(file).catch(() => undefined)
    if (!sealed) return undefined
    const opened = await key().then((known) => {
      try {
        return openBuffer(known, sealed, bindingOf(file))
      } catch {
        return 'damaged' as const
      }
    })
    if (typeof opened === 'string') throw captureUnreadable()
    return opened
  }
  function ensureFolder(scope: Scope, videoidPk: number): string {
    const folder = folderOf(scope, videoidPk)
    privateFolder(folder)
    fsyncFolder(root)
    return folder
  }

  /** A take's piece sizes, from their headers the first time (after a restart, say). */
  async function sizesOf(scope: Scope, videoidPk: number, take: string): Promise<number[]> {
    const folder = takeFolder(scope, videoidPk, take)
    return pieceSizes.get(folder) ?? readSizes(folder)
  }

  /** A take's piece sizes as its files on disk say, each file checked to hold its whole piece. */
  async function readSizes(folder: string): Promise<number[]> {
    const key = await readingKey()
    const names = (await readdir(folder).catch(() => [] as string[]))
      .filter((name) => PIECE.test(name))
      .sort()
    const sizes: number[] = []
    for (const [index, name] of names.entries()) {
      // Pieces are written in order, each whole: a gap means the rest never arrived.
      if (name !== pieceName(index)) break
      const file = path.join(folder, name)
      const handle = await open(file, 'r')
      try {
        const header = Buffer.alloc(HEADER_BYTES)
        await handle.read(header, 0, HEADER_BYTES, 0)
        const opened = openHeader(header, key, bindingOf(file))
        if (typeof opened === 'string' || (await handle.stat()).size !== sealedSize(opened.plainSize))
          throw captureUnreadable()
        sizes.push(opened.plainSize)
      } finally {
        await handle.close()
      }
    }
    pieceSizes.set(folder, sizes)
    return sizes
  }

  return {
    async read(scope: Scope, videoidPk: number): Promise<StoredCapture | undefined> {
      const plain = await readSealed(path.join(folderOf(scope, videoidPk), DRAFT), readingKey)
      return plain ? (JSON.parse(plain.toString('utf8')) as StoredCapture) : undefined
    },

    async write(capture: StoredCapture): Promise<void> {
      const folder = ensureFolder(capture, capture.videoidPk)
      await writeSealed(path.join(folder, DRAFT), Buffer.from(JSON.stringify(capture)))
    },

    async writeImage(scope: Scope, videoidPk: number, slot: ImageSlot, data: Buffer): Promise<void> {
      const folder = ensureFolder(scope, videoidPk)
      await writeSealed(path.join(folder, imageName(slot)), data)
    },

    async readImage(scope: Scope, videoidPk: number, slot: ImageSlot): Promise<Buffer | undefined> {
      return readSealed(path.join(folderOf(scope, videoidPk), imageName(slot)), readingKey)
    },

    async removeImage(scope: Scope, videoidPk: number, slot: ImageSlot): Promise<void> {
      await rm(path.join(folderOf(scope, videoidPk), imageName(slot)), { force: true })
    },

    /**
     * Appends piece `index` of a take, sealed and flushed. A piece that is there already (the page sent
     * it again after a lost answer) is kept as it is, if it is the same; a piece past the next one means
     * one went missing.
     */
    async writePiece(scope: Scope, videoidPk: number, take: string, index: number, data: Buffer) {
      const sizes = await sizesOf(scope, videoidPk, take)
      const folder = takeFolder(scope, videoidPk, take)
      if (index < sizes.length) {
        const kept = await readSealed(path.join(folder, pieceName(index)), readingKey)
        if (!kept?.equals(data))
          throw new AppError(
            'invalid_input',
            'Another piece was sent under the number of one kept.',
            `${index}`,
          )
        return sizes
      }
      if (index > sizes.length)
        throw new AppError('invalid_input', 'A piece of the video is missing.', `expected ${sizes.length}`)
      if (index === 0) {
        ensureFolder(scope, videoidPk)
        privateFolder(folder)
        fsyncFolder(path.dirname(folder))
      }
      await writeSealed(path.join(folder, pieceName(index)), data)
      sizes.push(data.length)
      return sizes
    },

    /** A take's length in bytes and pieces. */
    async recorded(scope: Scope, videoidPk: number, take: string) {
      return totalOf(await sizesOf(scope, videoidPk, take))
    },

    /** A take's length as its files on disk hold it now, each checked whole: what an upload would send. */
    async measured(scope: Scope, videoidPk: number, take: string) {
      return totalOf(await readSizes(takeFolder(scope, videoidPk, take)))
    },

    /**
     * A take's plaintext, or `range` of it, a chunk (64 KiB) at a time: one sealed piece is read at once,
     * and its chunks opened one by one as they are asked for, so that a long video is never held whole.
     */
    async *stream(scope: Scope, videoidPk: number, take: string, range?: ByteRange): AsyncGenerator<Buffer> {
      const sizes = await sizesOf(scope, videoidPk, take)
      const key = await readingKey()
      const folder = takeFolder(scope, videoidPk, take)
      const start = range?.start ?? 0
      const end = range?.end ?? Number.MAX_SAFE_INTEGER
      let offset = 0
      // One buffer for every piece read, grown to the largest: a stream leaves one piece's worth behind.
      let buffer = Buffer.alloc(0)
      for (const [index, size] of sizes.entries()) {
        const pieceStart = offset
        offset += size
        if (offset - 1 < start) continue
        if (pieceStart > end) return
        if (buffer.length < sealedSize(size)) buffer = Buffer.allocUnsafe(sealedSize(size))
        const file = path.join(folder, pieceName(index))
        const handle = await open(file, 'r')
        let sealed: Buffer
        try {
          const { bytesRead } = await handle.read(buffer, 0, sealedSize(size), 0)
          if (bytesRead !== sealedSize(size) || (await handle.stat()).size !== sealedSize(size))
            throw captureUnreadable()
          sealed = buffer.subarray(0, bytesRead)
        } finally {
          await handle.close()
        }
        const opened = openHeader(sealed, key, bindingOf(file))
        if (typeof opened === 'string' || opened.plainSize !== size) throw captureUnreadable()
        const last = chunkCount(size) - 1
        for (let chunk = 0; chunk <= last; chunk++) {
          const chunkStart = pieceStart + chunk * CHUNK_BYTES
          const length = chunkLength(chunk, size)
          if (chunkStart + length - 1 < start) continue
          if (chunkStart > end) return
          const at = chunkOffset(chunk)
          let plain: Buffer
          try {
            plain = openChunk(
              opened.fileKey,
              chunk,
              chunk === last,
              sealed.subarray(at, at + sealedChunkLength(chunk, size)),
            )
          } catch {
            throw captureUnreadable()
          }
          yield plain.subarray(Math.max(0, start - chunkStart), Math.min(length, end - chunkStart + 1))
        }
      }
    },

    async removeTake(scope: Scope, videoidPk: number, take: string): Promise<void> {
      const folder = takeFolder(scope, videoidPk, take)
      pieceSizes.delete(folder)
      await rm(folder, { recursive: true, force: true })
    },

    /** Deletes everything of a capture: its record, its images, its recording. */
    async remove(scope: Scope, videoidPk: number): Promise<void> {
      const folder = folderOf(scope, videoidPk)
      for (const known of pieceSizes.keys()) if (known.startsWith(folder + path.sep)) pieceSizes.delete(known)
      await rm(folder, { recursive: true, force: true })
    },

    /** Every capture on this computer, in any scope, as far as its record can be read. */
    async all(): Promise<{ folder: string; capture: StoredCapture | undefined }[]> {
      const found: { folder: string; capture: StoredCapture | undefined }[] = []
      for (const name of await readdir(root).catch(() => [] as string[])) {
        const folder = path.join(root, name)
        const plain = await readSealed(path.join(folder, DRAFT), readingKey).catch(() => undefined)
        found.push({
          folder,
          capture: plain ? (JSON.parse(plain.toString('utf8')) as StoredCapture) : undefined,
        })
      }
      return found
    },

    removeFolder: (folder: string) => rm(folder, { recursive: true, force: true }),
  }
}

export type CaptureFiles = ReturnType<typeof createCaptureFiles>
