import { existsSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { environmentSchema } from '../../shared/settings'
import { appendDurably, copyFileDurably, renameDurably, writeFileDurably } from '../fs/durable'
import { scopeKey } from '../scope'

/**
 * One Video ID as the case book stores it. What rebuilds the book (both pks, status, dates) is readable;
 * the signer's data and the officer's note are in `sealed`, encrypted with the keychain's key.
 */
export const storedCaseSchema = z.object({
  optimizer: z.string(),
  environment: environmentSchema,
  videoidPk: z.number().int().positive(),
  requestPk: z.number().int().positive(),
  status: z.string(),
  addedAt: z.string(),
  syncedAt: z.string().optional(),
  finalAt: z.string().optional(),
  statusSince: z.string().optional(),
  missingSince: z.string().optional(),
  gone: z.boolean(),
  /** Absent on entries written before pairs were checked: those count as not verified. */
  verified: z.boolean().optional(),
  sealed: z.string().optional(),
})
export type StoredCase = z.infer<typeof storedCaseSchema>

const HEADER = { caseBook: 1 }
const headerSchema = z.object({ caseBook: z.literal(1) })

export const caseKey = (entry: Pick<StoredCase, 'optimizer' | 'environment' | 'videoidPk'>) =>
  `${scopeKey(entry)} ${entry.videoidPk}`

export type OpenResult =
  | { state: 'open'; book: CaseBook }
  | { state: 'damaged'; reason: string; lastGood?: { savedAt: string; cases: number } }

/** The file beside the book that holds the state of the last successful open. */
export const lastGoodFile = (file: string) => `${file}.last-good`

/** One line per write: a JSON array of the cases it changed, so a write counts whole or not at all. */
const line = (entries: readonly StoredCase[]) => `${JSON.stringify(entries)}\n`
const serialise = (entries: Iterable<StoredCase>) =>
  `${JSON.stringify(HEADER)}\n${[...entries].map((entry) => line([entry])).join('')}`
const lineSchema = z.array(storedCaseSchema)

/**
 * Reads a book file: a header line, then one line per write (the last entry for a key wins).
 * A final line without its newline is a write the process did not finish: it never happened. Anything
 * else unreadable is damage, reported, never skipped over in silence.
 */
function parse(text: string): { entries: Map<string, StoredCase>; written: number; torn: number } | string {
  const lines = text.split('\n')
  const tail = lines.pop() ?? ''
  const [header, ...rest] = lines
  if (header === undefined) return tail === '' ? 'the file is empty' : 'the first line was never finished'
  if (!headerSchema.safeParse(safeJson(header)).success) return 'the first line is not a case book header'
  const entries = new Map<string, StoredCase>()
  let written = 0
  for (const [index, text] of rest.entries()) {
    const parsed = lineSchema.safeParse(safeJson(text))
    if (!parsed.success) return `line ${index + 2} cannot be read`
    for (const entry of parsed.data) entries.set(caseKey(entry), entry)
    written += parsed.data.length
  }
  return { entries, written, torn: Buffer.byteLength(tail) }
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line)
  } catch {
    return undefined
  }
}

function describeLastGood(file: string): { savedAt: string; cases: number } | undefined {
  const backup = lastGoodFile(file)
  if (!existsSync(backup)) return undefined
  const parsed = parse(readFileSync(backup, 'utf8'))
  if (typeof parsed === 'string') return undefined
  return { savedAt: statSync(backup).mtime.toISOString(), cases: parsed.entries.size }
}

/**
 * Opens the case book at `file`. On success the state read is also kept as the last good copy. A
 * missing book is a new, empty one, unless a last good copy shows there was one: then it is damage.
 */
export function openCaseBook(file: string): OpenResult {
  rmSync(`${file}.tmp`, { force: true })
  if (!existsSync(file)) {
    const lastGood = describeLastGood(file)
    if (lastGood) return { state: 'damaged', reason: 'the case book file is missing', lastGood }
    writeFileDurably(file, serialise([]))
    return { state: 'open', book: new CaseBook(file, new Map(), 0) }
  }
  const text = readFileSync(file, 'utf8')
  const parsed = parse(text)
  if (typeof parsed === 'string') {
    const lastGood = describeLastGood(file)
    return { state: 'damaged', reason: parsed, ...(lastGood ? { lastGood } : {}) }
  }
  // A write cut short by a crash is dropped, so the next write starts on a line of its own.
  if (parsed.torn) truncateSync(file, Buffer.byteLength(text) - parsed.torn)
  const book = new CaseBook(file, parsed.entries, parsed.written)
  book.compact()
  copyFileDurably(file, lastGoodFile(file))
  return { state: 'open', book }
}

/**
 * Whether the book at `file` may hold a case, without reading it whole nor opening anything sealed: only
 * a book that is its bare header, or no book and no last good copy, holds none, and then only where no
 * copy set aside by a recovery is left beside it. Anything else counts as holding some, a book that
 * cannot be read included (the lock guards what it cannot rule out).
 */
export async function bookMayHoldCases(file: string): Promise<boolean> {
  return (await bookFileMayHoldCases(file)) || (await copiesSetAside(file))
}

async function bookFileMayHoldCases(file: string): Promise<boolean> {
  const empty = serialise([])
  try {
    if ((await stat(file)).size !== Buffer.byteLength(empty)) return true
    return (await readFile(file, 'utf8')) !== empty
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT' || existsSync(lastGoodFile(file))
  }
}

/** Whether a damaged book or a last good copy that `recoverCaseBook` kept aside is left beside the book. */
async function copiesSetAside(file: string): Promise<boolean> {
  const prefixes = [`${path.basename(file)}.damaged-`, `${path.basename(lastGoodFile(file))}-`]
  try {
    return (await readdir(path.dirname(file))).some((name) =>
      prefixes.some((prefix) => name.startsWith(prefix)),
    )
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT'
  }
}

const stamp = (date: Date) => date.toISOString().replaceAll(':', '-')

/**
 * Sets an unreadable book aside and opens the last good copy or a new book; nothing is deleted. A new
 * book keeps the last good copy too, renamed with its date, since the next open would replace it.
 * Answers the files kept aside, for the officer.
 */
export function recoverCaseBook(
  file: string,
  from: 'last_good' | 'empty',
  now: Date,
): { opened: OpenResult; keptAside: string[] } {
  const keptAside: string[] = []
  const aside = (source: string, target: string) => {
    renameDurably(source, target)
    keptAside.push(target)
  }
  if (existsSync(file)) aside(file, `${file}.damaged-${stamp(now)}`)
  const lastGood = lastGoodFile(file)
  if (from === 'last_good') copyFileDurably(lastGood, file)
  else if (existsSync(lastGood)) aside(lastGood, `${lastGood}-${stamp(statSync(lastGood).mtime)}`)
  return { opened: openCaseBook(file), keptAside }
}

/**
 * The open book: every entry in memory, every change appended to the file as one line and flushed, so a
 * status change costs one short line and never a rewrite of the book. The file is rewritten
 * (atomically) only when superseded entries outnumber the live ones.
 */
export class CaseBook {
  constructor(
    readonly file: string,
    private readonly entries: Map<string, StoredCase>,
    /** Entries in the file, superseded ones included. */
    private written: number,
  ) {}

  get size(): number {
    return this.entries.size
  }

  all(): IterableIterator<StoredCase> {
    return this.entries.values()
  }

  get(key: string): StoredCase | undefined {
    return this.entries.get(key)
  }

  /** Appends the entries as one line and flushes it; once this returns, all of them survive a crash. */
  put(entries: readonly StoredCase[]): void {
    if (!entries.length) return
    appendDurably(this.file, Buffer.from(line(entries)))
    for (const entry of entries) this.entries.set(caseKey(entry), entry)
    this.written += entries.length
    if (this.written > 2 * this.entries.size + 1000) this.compact()
  }

  /** Rewrites the file with one entry per case. */
  compact(): void {
    if (this.written === this.entries.size) return
    writeFileDurably(this.file, serialise(this.entries.values()))
    this.written = this.entries.size
  }
}
