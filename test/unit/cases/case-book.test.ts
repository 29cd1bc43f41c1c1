import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  bookMayHoldCases,
  caseKey,
  lastGoodFile,
  openCaseBook,
  recoverCaseBook,
  type StoredCase,
} from '../../../main/cases/case-book'
import { appendDurably, fsCalls } from '../../../main/fs/durable'

const OPTIMIZER = 'http://127.0.0.1:1/oneshot/api/v1'
const entry = (videoidPk: number, status = 'VIDEOREVIEW'): StoredCase => ({
  optimizer: OPTIMIZER,
  environment: 'sandbox',
  videoidPk,
  requestPk: videoidPk + 1_000_000,
  status,
  addedAt: '2026-11-02T09:15:00.000Z',
  gone: false,
})
const key = (videoidPk: number) => caseKey({ optimizer: OPTIMIZER, environment: 'sandbox', videoidPk })
const newFile = () => path.join(mkdtempSync(path.join(tmpdir(), 'rao-case-book-')), 'case-book.jsonl')

function openBook(file: string) {
  const opened = openCaseBook(file)
  if (opened.state !== 'open') throw new Error(`expected an open book, got: ${opened.reason}`)
  return opened.book
}

/** Runs the writer child, kills it with SIGKILL after `ms`, and answers the writes it said returned. */
function writeUntilKilled(file: string, ms: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, 'write-book.ts'), file],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString()
    })
    // Timed from the first write, so that every kill lands among writes rather than in start-up.
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), ms))
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`the writer ended by itself: ${err}`))
      // Only whole lines count: a number cut short was never said.
      else resolve(out.split('\n').slice(0, -1).map(Number))
    })
  })
}

describe('case book on disk', () => {
  it('keeps every write that returned when its process is killed at random moments', async () => {
    const file = newFile()
    let committed: number[] = []
    for (let round = 0; round < 12; round++) {
      const said = await writeUntilKilled(file, 20 + Math.floor(Math.random() * 400))
      committed = [...committed, ...said]
      const book = openBook(file)
      const last = committed.at(-1)
      expect(last, 'the writer wrote nothing before it was killed').toBeDefined()
      for (const seq of committed) expect(book.get(key(seq))?.status).toBe(`S${seq}`)
      // A write counts whole or not at all: the three old cases carry the newest write that is in.
      const newest = Math.max(...[...book.all()].map((item) => item.videoidPk))
      for (const old of [1, 2, 3]) expect(book.get(key(old))?.status).toBe(`S${newest}`)
      expect(newest - (last ?? 0)).toBeLessThanOrEqual(1)
    }
    expect(committed.length).toBeGreaterThan(100)
  }, 120_000)

  it('keeps an unreadable book as it is, says why, and offers the last good copy', () => {
    const file = newFile()
    openBook(file).put([entry(11), entry(12)])
    openBook(file) // a successful open keeps the last good copy
    openBook(file).put([entry(13)])
    const damagedText = readFileSync(file, 'utf8').replace('"videoidPk":12', '"videoidPk":"twelve"')
    writeFileSync(file, damagedText)

    const opened = openCaseBook(file)
    expect(opened).toMatchObject({ state: 'damaged', reason: 'line 2 cannot be read' })
    expect(opened.state === 'damaged' && opened.lastGood?.cases).toBe(2)
    expect(readFileSync(file, 'utf8')).toBe(damagedText)

    const recovered = recoverCaseBook(file, 'last_good', new Date('2026-11-29T10:00:00Z')).opened
    if (recovered.state !== 'open') throw new Error('recovery failed')
    expect([...recovered.book.all()].map((item) => item.videoidPk).sort()).toEqual([11, 12])
    const aside = readdirSync(path.dirname(file)).find((name) => name.includes('.damaged-'))
    expect(aside && readFileSync(path.join(path.dirname(file), aside), 'utf8')).toBe(damagedText)
  })

  it('calls a book that vanished damage, not a first run, when a last good copy exists', () => {
    const file = newFile()
    openBook(file).put([entry(21)])
    openBook(file)
    writeFileSync(file, '')
    expect(openCaseBook(file)).toMatchObject({ state: 'damaged', reason: 'the file is empty' })
    const fresh = newFile()
    expect(openCaseBook(fresh).state).toBe('open')
    expect(existsSync(lastGoodFile(fresh))).toBe(false)
  })

  it('drops a write cut short at the end, and appends after it cleanly', () => {
    const file = newFile()
    openBook(file).put([entry(31)])
    writeFileSync(file, `${readFileSync(file, 'utf8')}[{"optimizer":"http://127.0.0.1:1/onesh`)
    const book = openBook(file)
    expect(book.size).toBe(1)
    book.put([entry(32)])
    expect(openBook(file).get(key(32))?.videoidPk).toBe(32)
  })

  it('writes a status change as one short line, not the whole book', () => {
    const file = newFile()
    const book = openBook(file)
    book.put(Array.from({ length: 10_000 }, (_, index) => entry(index + 1)))
    const before = readFileSync(file).length
    book.put([entry(5000, 'CANCELLED')])
    const grown = readFileSync(file).length - before
    expect(grown).toBeLessThan(400)
    expect(openBook(file).get(key(5000))?.status).toBe('CANCELLED')
  })
})

describe('case book: whether it may hold a case, unopened', () => {
  it('says none only for no book (and no last good copy) or a bare header; anything else counts as some', async () => {
    const file = newFile()
    expect(await bookMayHoldCases(file)).toBe(false)
    openBook(file) // a new book: its header alone
    expect(readFileSync(file, 'utf8')).toBe('{"caseBook":1}\n')
    expect(await bookMayHoldCases(file)).toBe(false)
    openBook(file).put([entry(51)])
    expect(await bookMayHoldCases(file)).toBe(true)
    // What cannot be read is not ruled out: an empty file, a header cut short, a header of its size
    // spelled otherwise, a first write cut short.
    for (const text of ['', '{"caseBook":1}', '{"caseBook":2}\n', '{"caseBook":1}\n[{"optim']) {
      writeFileSync(file, text)
      expect(await bookMayHoldCases(file), JSON.stringify(text)).toBe(true)
    }
    // A vanished book whose last good copy is there is damage, not a new desk.
    rmSync(file)
    expect(existsSync(lastGoodFile(file))).toBe(true)
    expect(await bookMayHoldCases(file)).toBe(true)
  })

  it('counts the copies a new book keeps aside: the damaged book and the last good copy', async () => {
    const file = newFile()
    openBook(file).put([entry(61)])
    openBook(file)
    writeFileSync(file, 'not a case book\n')
    const { keptAside } = recoverCaseBook(file, 'empty', new Date('2026-11-30T10:00:00Z'))
    expect(readFileSync(file, 'utf8')).toBe('{"caseBook":1}\n')
    expect(await bookMayHoldCases(file)).toBe(true)
    for (const copy of keptAside) {
      expect(await bookMayHoldCases(file)).toBe(true)
      rmSync(copy)
    }
    expect(await bookMayHoldCases(file)).toBe(false)
  })
})

describe('case book: recovery and durability', () => {
  it('keeps the last good copy too when a new book is started, renamed with its date, and names both', () => {
    const file = newFile()
    openBook(file).put([entry(41)])
    openBook(file)
    writeFileSync(file, 'not a case book\n')
    const lastGoodText = readFileSync(lastGoodFile(file), 'utf8')
    const { opened, keptAside } = recoverCaseBook(file, 'empty', new Date('2026-11-29T10:00:00Z'))
    expect(opened.state).toBe('open')
    expect(keptAside).toHaveLength(2)
    expect(keptAside[0]).toBe(`${file}.damaged-2026-11-29T10-00-00.000Z`)
    expect(keptAside[1]).toMatch(/case-book\.jsonl\.last-good-\d{4}-\d\d-\d\dT/)
    expect(readFileSync(keptAside[0] ?? '', 'utf8')).toBe('not a case book\n')
    expect(readFileSync(keptAside[1] ?? '', 'utf8')).toBe(lastGoodText)
  })

  /** Records the durable calls and the path each fd was opened for, while `run` runs. */
  function recordCalls(run: () => void): string[] {
    const saved = { ...fsCalls }
    const paths = new Map<number, string>()
    const calls: string[] = []
    fsCalls.openSync = ((target, flags, mode) => {
      const fd = saved.openSync(target, flags, mode)
      paths.set(fd, String(target))
      return fd
    }) as typeof saved.openSync
    fsCalls.fsyncSync = (fd) => {
      calls.push(`fsync ${paths.get(fd)}`)
      saved.fsyncSync(fd)
    }
    fsCalls.renameSync = (from, to) => {
      calls.push(`rename ${String(to)}`)
      saved.renameSync(from, to)
    }
    try {
      run()
    } finally {
      Object.assign(fsCalls, saved)
    }
    return calls
  }
  /** Every rename is followed by a flush of its folder before anything else is renamed. */
  const flushedAfterEachRename = (calls: readonly string[]) =>
    calls.every(
      (call, index) =>
        !call.startsWith('rename ') ||
        calls[index + 1] === `fsync ${path.dirname(call.slice('rename '.length))}`,
    )

  it('flushes the folder after every rename: a new book, its compaction, the last good copy, a recovery', () => {
    const file = newFile()
    const calls = recordCalls(() => {
      openBook(file).put([entry(51), entry(52)])
      const book = openBook(file)
      book.put([entry(51, 'CANCELLED')])
      book.compact()
      writeFileSync(file, 'damaged\n')
      recoverCaseBook(file, 'last_good', new Date('2026-11-29T10:00:00Z'))
    })
    expect(calls.filter((call) => call.startsWith('rename ')).length).toBeGreaterThanOrEqual(5)
    expect(flushedAfterEachRename(calls)).toBe(true)
    expect(calls).toContain(`rename ${file}`)
    expect(calls).toContain(`rename ${lastGoodFile(file)}`)
  })

  it('flushes the folder when an append creates the file: the journal’s first entry survives a power cut', () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'rao-durable-'))
    const file = path.join(folder, 'decision-journal.jsonl')
    const calls = recordCalls(() => {
      appendDurably(file, Buffer.from('{"seq":1}\n'))
      appendDurably(file, Buffer.from('{"seq":2}\n'))
    })
    expect(calls).toEqual([`fsync ${file}`, `fsync ${folder}`, `fsync ${file}`])
  })
})
