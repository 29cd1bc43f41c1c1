import {
  closeSync,
  copyFileSync,
  existsSync,
  fstatSync,
  fsync,
  fsyncSync,
  ftruncateSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs'
import path from 'node:path'

/**
 * The file system calls that make a write durable, in one object so that a test can record their order
 * (and see a missing fsync) without patching `node:fs`. Nothing else in this module calls `node:fs`.
 */
export const fsCalls = {
  openSync,
  writeSync,
  fsyncSync,
  fsync,
  closeSync,
  renameSync,
  rmSync,
  copyFileSync,
  existsSync,
  fstatSync,
  ftruncateSync,
}

/** A write may take only part of a buffer (a disk filling up does that): the rest goes in another. */
export function writeAll(fd: number, data: Buffer): void {
  for (let written = 0; written < data.length; ) written += fsCalls.writeSync(fd, data, written)
}

/** Flushes an open file's data in the thread pool: a large file (a video) takes a while to reach the disk. */
export function flushFile(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsCalls.fsync(fd, (error) => (error ? reject(error) : resolve())))
}

/**
 * Flushes a folder's entries: after a create or a rename on POSIX, the new name survives a power cut
 * only once its folder is flushed too. Windows has no folder handles to flush (and NTFS journals names).
 */
export function fsyncFolder(folder: string): void {
  if (process.platform === 'win32') return
  const fd = fsCalls.openSync(folder, 'r')
  try {
    fsCalls.fsyncSync(fd)
  } finally {
    fsCalls.closeSync(fd)
  }
}

/** Renames, then flushes the folder, so that the new name survives a power cut. */
export function renameDurably(from: string, to: string): void {
  fsCalls.renameSync(from, to)
  fsyncFolder(path.dirname(to))
}

/**
 * Writes a whole file so that a crash or a power cut leaves the old one or the new one, never a mix. A
 * write that fails (a full disk) takes its temporary file with it.
 */
export function writeFileDurably(file: string, data: string | Buffer, mode = 0o600): void {
  const temporary = `${file}.tmp`
  const fd = fsCalls.openSync(temporary, 'w', mode)
  try {
    try {
      writeAll(fd, typeof data === 'string' ? Buffer.from(data) : data)
      fsCalls.fsyncSync(fd)
    } finally {
      fsCalls.closeSync(fd)
    }
  } catch (error) {
    fsCalls.rmSync(temporary, { force: true })
    throw error
  }
  renameDurably(temporary, file)
}

/** Copies a file whole beside its target, flushed, then renames it into place. */
export function copyFileDurably(from: string, to: string): void {
  const temporary = `${to}.tmp`
  fsCalls.copyFileSync(from, temporary)
  const fd = fsCalls.openSync(temporary, 'r+')
  try {
    fsCalls.fsyncSync(fd)
  } finally {
    fsCalls.closeSync(fd)
  }
  renameDurably(temporary, to)
}

/**
 * Appends data and flushes it; once this returns, it survives a crash. A write that fails part-way (a
 * full disk) is cut back off, so the next append starts a line of its own rather than joining the torn
 * one. A file this call creates has its folder flushed too, or the first line could vanish with the
 * file's name after a power cut.
 */
export function appendDurably(file: string, data: Buffer, mode = 0o600): void {
  const created = !fsCalls.existsSync(file)
  const fd = fsCalls.openSync(file, 'a', mode)
  try {
    const before = fsCalls.fstatSync(fd).size
    try {
      writeAll(fd, data)
      fsCalls.fsyncSync(fd)
    } catch (error) {
      try {
        fsCalls.ftruncateSync(fd, before)
      } catch {
        // The torn end stays; a reader drops a last line without its newline, or reports the damage.
      }
      throw error
    }
  } finally {
    fsCalls.closeSync(fd)
  }
  if (created) fsyncFolder(path.dirname(file))
}
