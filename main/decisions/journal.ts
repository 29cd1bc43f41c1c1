import { createHash } from 'node:crypto'
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs'
import { type JournalEntry, type JournalState, journalEntrySchema } from '../../shared/decisions'

/** What a caller writes; the journal adds the number, the time and the chain. */
export type JournalRecord = Omit<JournalEntry, 'seq' | 'time' | 'prevHash' | 'hash'>

const GENESIS = '0'.repeat(64)

/** An entry's hash covers every field but itself, in the order written, and so the hash before it. */
const hashOf = (entry: Omit<JournalEntry, 'hash'>) =>
  createHash('sha256').update(JSON.stringify(entry)).digest('hex')

/**
 * The decision journal: append-only, one line per attempt and per outcome, each carrying the hash of
 * the one before, so that a removed or edited entry breaks the chain. Each line is flushed to disk
 * before `append` returns; a last line without its newline is a write cut short by a crash, and is
 * dropped. A broken chain is reported, never repaired, and the journal keeps working after it.
 */
export function openJournal(file: string, now: () => Date = () => new Date()) {
  const entries: JournalEntry[] = []
  let chain: JournalState['chain'] = { ok: true }
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8')
    const lines = text.split('\n')
    const torn = lines.pop() ?? ''
    if (torn) truncateSync(file, Buffer.byteLength(text) - Buffer.byteLength(torn))
    let previous = GENESIS
    for (const [index, line] of lines.entries()) {
      let parsed: ReturnType<typeof journalEntrySchema.safeParse>
      try {
        parsed = journalEntrySchema.safeParse(JSON.parse(line))
      } catch {
        parsed = journalEntrySchema.safeParse(undefined)
      }
      if (!parsed.success) {
        if (chain.ok) chain = { ok: false, brokenAt: index + 1, problem: `line ${index + 1} cannot be read` }
        continue
      }
      const { hash, ...rest } = parsed.data
      if (chain.ok && (rest.prevHash !== previous || hashOf(rest) !== hash || rest.seq !== index + 1)) {
        chain = {
          ok: false,
          brokenAt: rest.seq,
          problem:
            rest.prevHash !== previous || rest.seq !== index + 1
              ? `an entry before ${rest.seq} was removed or changed`
              : `entry ${rest.seq} was changed`,
        }
      }
      previous = hash
      entries.push(parsed.data)
    }
  }

  return {
    entries: (): readonly JournalEntry[] => entries,
    chain: () => chain,

    /** Appends one entry and flushes it; once this returns, it survives a crash. */
    append(record: JournalRecord): JournalEntry {
      const last = entries.at(-1)
      const body = {
        seq: (last?.seq ?? 0) + 1,
        time: now().toISOString(),
        ...record,
        prevHash: last?.hash ?? GENESIS,
      }
      const entry = { ...body, hash: hashOf(body) }
      const fd = openSync(file, 'a', 0o600)
      try {
        const line = Buffer.from(`${JSON.stringify(entry)}\n`)
        for (let written = 0; written < line.length; ) written += writeSync(fd, line, written)
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
      entries.push(entry)
      return entry
    },
  }
}

export type Journal = ReturnType<typeof openJournal>

const CSV_COLUMNS = [
  'seq',
  'time',
  'officer',
  'videoidPk',
  'requestPk',
  'action',
  'phase',
  'attempt',
  'reason',
  'checklist',
  'errorCode',
  'status',
  'hash',
] as const

/** One CSV field: quoted, and never read by a spreadsheet as a formula. */
function csvField(value: unknown): string {
  let text = value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value)
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return `"${text.replaceAll('"', '""')}"`
}

/** The journal as CSV that a spreadsheet opens: a header, then one row per entry. */
export function journalCsv(entries: readonly JournalEntry[]): string {
  const rows = entries.map((entry) =>
    CSV_COLUMNS.map((column) =>
      csvField(column === 'checklist' && entry.checklist ? entry.checklist.checked.join(' ') : entry[column]),
    ).join(','),
  )
  return `${[CSV_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`
}
