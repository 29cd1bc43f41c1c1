import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { existsSync, readFileSync, truncateSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import {
  type JournalEntry,
  type JournalIntegrity,
  type JournalProblem,
  journalEntrySchema,
} from '../../shared/decisions'
import { AppError } from '../../shared/errors'
import type { KeyStore, SealKey } from '../cases/seal'
import { appendDurably } from '../fs/durable'
import type { Logger } from '../log'
import { fromKeychainError, type Keychain } from '../vault/keychain'

/** What a caller writes; the journal adds the number, the time and the chain. */
export type JournalRecord = JournalEntry extends infer E
  ? E extends JournalEntry
    ? Omit<E, 'seq' | 'time' | 'prevHash' | 'hash' | 'prev' | 'mac'>
    : never
  : never

/** The last entry written, kept in the keychain so that a journal cut short or put back shows. */
export interface JournalHead {
  seq: number
  mac: string
}
const headSchema = z.object({ seq: z.number().int().positive(), mac: z.string() })

export interface HeadStore {
  read(): Promise<JournalHead | null>
  write(head: JournalHead): Promise<void>
}

/** The journal's head in the keychain, beside its key; a keychain failure is a typed error. */
export function createHeadStore(keychain: Keychain, service: string, account = 'journal-head'): HeadStore {
  const guarded = async <T>(operation: () => Promise<T>) => {
    try {
      return await operation()
    } catch (error) {
      throw error instanceof AppError ? error : fromKeychainError(error)
    }
  }
  return {
    read: () =>
      guarded(async () => {
        const stored = await keychain.getPassword(service, account)
        if (stored === null) return null
        const parsed = headSchema.safeParse(safeJson(stored))
        return parsed.success ? parsed.data : null
      }),
    write: (head) => guarded(() => keychain.setPassword(service, account, JSON.stringify(head))),
  }
}

export interface JournalOptions {
  file: string
  /** The chain's key, in the keychain (never on disk). */
  keys: KeyStore
  head: HeadStore
  log: Logger
  /** Told of every entry appended, to push it to the renderer. */
  onAppend?: (entry: JournalEntry) => void
  now?: () => Date
}

const GENESIS = '0'.repeat(64)

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const hmac = (key: SealKey, text: string) => createHmac('sha256', key.key).update(text).digest('hex')
const sameHex = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'))

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

type Raw = Record<string, unknown>

/** An entry's link to the one before it, and its own seal: `mac` since the chain is keyed, `hash` before. */
const sealOf = (raw: Raw) => (typeof raw.mac === 'string' ? raw.mac : String(raw.hash ?? ''))

/** Words for the record of a problem, written into the journal itself so that it outlives the head. */
export function describeProblem(problem: JournalProblem): string {
  switch (problem.kind) {
    case 'entry_changed':
      return `entry ${problem.seq} was changed`
    case 'entry_out_of_place':
      return `entry ${problem.seq} does not follow the entry before it: entries were removed, added or moved`
    case 'line_unreadable':
      return `line ${problem.line} cannot be read`
    case 'cut_off':
      return `the journal ends at entry ${problem.lastSeq}, but entry ${problem.headSeq} was written: entries were cut off or an older copy was put back`
    case 'replaced':
      return `entry ${problem.seq} is not the one written: the journal was replaced by another copy`
    case 'head_missing':
      return 'the record of the last entry is missing from the keychain'
    case 'key_missing':
      return 'the journal key is missing from the keychain: earlier entries cannot be checked'
  }
}

const HEX64 = /^[0-9a-f]{64}$/
/** A MAC that is well formed and matches: a malformed one (wrong length, not hex) is an edit, not a crash. */
const macMatches = (key: SealKey, body: Raw, mac: unknown) =>
  typeof mac === 'string' && HEX64.test(mac) && sameHex(hmac(key, JSON.stringify(body)), mac)

/** What a check of the lines found: its problems, and the entries whose content cannot be trusted. */
interface LinesCheck {
  problems: JournalProblem[]
  /** Entries whose MAC or hash failed, or that could not be checked: never counted as a final outcome. */
  untrusted: Set<number>
}

/**
 * Checks the lines of a journal: each entry follows the one before it (its `prev` is that entry's MAC, or
 * its `prevHash` that entry's hash, before the chain was keyed), its MAC or hash matches its content, and
 * its number is the next. Answers what it found wrong, first break of each entry only.
 */
function verifyLines(raws: readonly (Raw | undefined)[], key: SealKey | null): LinesCheck {
  const problems: JournalProblem[] = []
  const untrusted = new Set<number>()
  // Entries before the chain was keyed anew (its key lost from the keychain) cannot be checked: they are
  // still linked and numbered. Only a marker sealed with the key in use counts: a forged one would hide
  // the edits before it.
  const rekeyedAt = raws.findLastIndex((raw) => {
    if (!key || raw?.type !== 'chain' || raw.event !== 'rekeyed') return false
    const { mac, ...body } = raw
    return macMatches(key, body, mac)
  })
  let previous = GENESIS
  let keyed = false
  for (const [index, raw] of raws.entries()) {
    if (!raw) {
      problems.push({ kind: 'line_unreadable', line: index + 1 })
      previous = ''
      continue
    }
    const seq = Number(raw.seq)
    if ('mac' in raw) {
      keyed = true
      const { mac, ...body } = raw
      const checkable = index >= rekeyedAt
      if (!checkable) untrusted.add(seq)
      if (checkable && !key) {
        untrusted.add(seq)
        if (!problems.some((problem) => problem.kind === 'key_missing'))
          problems.push({ kind: 'key_missing' })
      } else if (checkable && key && !macMatches(key, body, mac)) {
        untrusted.add(seq)
        problems.push({ kind: 'entry_changed', seq })
      } else if (body.prev !== previous || seq !== index + 1) {
        problems.push({ kind: 'entry_out_of_place', seq })
      }
    } else {
      const { hash, ...body } = raw
      // A plain-hash entry after the chain was keyed was not written by the app.
      if (keyed || typeof hash !== 'string' || sha256(JSON.stringify(body)) !== hash) {
        untrusted.add(seq)
        problems.push({ kind: 'entry_changed', seq })
      } else if (body.prevHash !== previous || seq !== index + 1)
        problems.push({ kind: 'entry_out_of_place', seq })
    }
    previous = sealOf(raw)
  }
  return { problems, untrusted }
}

/** What the keychain's head says of the journal's end. */
function checkHead(raws: readonly (Raw | undefined)[], head: JournalHead | null): JournalProblem[] {
  const keyed = raws.some((raw) => typeof raw?.mac === 'string')
  if (!head) return keyed ? [{ kind: 'head_missing' }] : []
  const lastSeq = raws.length
  if (lastSeq < head.seq) return [{ kind: 'cut_off', lastSeq, headSeq: head.seq }]
  const atHead = raws[head.seq - 1]
  return atHead && atHead.mac === head.mac ? [] : [{ kind: 'replaced', seq: head.seq }]
}

/**
 * The decision journal: append-only, one line per entry (an attempt, an outcome, a setting changed, a
 * Video ID created, a lock), flushed before `append` returns. Each entry carries an HMAC-SHA-256, with a
 * key kept in the OS keychain, over itself and the previous entry's MAC; the keychain also keeps the
 * chain's head (last number and MAC) after each append. So an edited entry (even with every MAC
 * recomputed, without the key), a journal cut short and an older copy put back all show at start. A
 * journal written before the chain was keyed is checked with its own SHA-256 chain and carried over. A
 * last line without its newline is a write cut short by a crash, and is dropped. Problems are reported
 * (and recorded in the journal itself), never repaired; the journal keeps working.
 */
export function openJournal(options: JournalOptions) {
  const { file, keys, head, log } = options
  const now = () => (options.now ?? (() => new Date()))()
  /** Each line as written, for an auditor; its parsed value (undefined where unreadable); its entry. */
  const lines: string[] = []
  const raws: (Raw | undefined)[] = []
  const entries: JournalEntry[] = []
  let untrusted = new Set<number>()
  let key: SealKey | null = null
  let integrity: JournalIntegrity = {
    state: 'unchecked',
    problem: new AppError('internal', 'The journal has not been checked yet.').toShape(),
  }
  let loading: Promise<void> | undefined
  let headWriting: Promise<void> = Promise.resolve()

  function readFile(): void {
    if (!existsSync(file)) return
    const text = readFileSync(file, 'utf8')
    const torn = text.slice(text.lastIndexOf('\n') + 1)
    if (torn) truncateSync(file, Buffer.byteLength(text) - Buffer.byteLength(torn))
    for (const line of text.split('\n').slice(0, -1)) {
      const raw = safeJson(line)
      // Lines written before entries had types were all decisions.
      const typed = raw && typeof raw === 'object' && !('type' in raw) ? { ...raw, type: 'decision' } : raw
      const parsed = journalEntrySchema.safeParse(typed)
      lines.push(line)
      raws.push(parsed.success ? (raw as Raw) : undefined)
      if (parsed.success) entries.push(parsed.data)
    }
  }

  /** The head after the last entry; written in order, so it never goes back. */
  function writeHead(): Promise<void> {
    headWriting = headWriting
      .then(() => {
        const last = raws.at(-1)
        return last && typeof last.mac === 'string'
          ? head.write({ seq: Number(last.seq), mac: last.mac })
          : undefined
      })
      .catch((error: unknown) =>
        log.warn('journal head not kept in the keychain', {
          code: error instanceof AppError ? error.code : 'internal',
        }),
      )
    return headWriting
  }

  /** Writes one entry, chained to the last; synchronous from the number to the flush, so appends never interleave. */
  function write(record: JournalRecord, signingKey: SealKey): JournalEntry {
    const last = raws.at(-1)
    const body = {
      seq: raws.length + 1,
      time: now().toISOString(),
      ...record,
      prev: last ? sealOf(last) : GENESIS,
    }
    const raw = { ...body, mac: hmac(signingKey, JSON.stringify(body)) }
    const line = JSON.stringify(raw)
    appendDurably(file, Buffer.from(`${line}\n`))
    const entry = journalEntrySchema.parse(raw)
    lines.push(line)
    raws.push(raw)
    entries.push(entry)
    options.onAppend?.(entry)
    return entry
  }

  /** Checks the chain with the keychain's key and head; carries a plain chain over; records what it found. */
  async function check(): Promise<void> {
    const keyedBefore = raws.some((raw) => typeof raw?.mac === 'string')
    const [storedKey, storedHead] = await Promise.all([keys.read(), head.read()])
    const checked = verifyLines(raws, storedKey)
    untrusted = checked.untrusted
    const problems = [...checked.problems, ...checkHead(raws, storedHead)]
    key = storedKey ?? (await keys.readOrCreate())
    integrity = problems.length ? { state: 'problems', problems } : { state: 'verified' }
    const detail = problems.map(describeProblem).join('; ')
    if (problems.some((problem) => problem.kind === 'key_missing')) {
      // Keyed anew: what follows is checked with the new key; the entry says why the earlier ones cannot be.
      write({ type: 'chain', event: 'rekeyed', officer: '', detail }, key)
      log.error('journal key missing: the chain goes on with a new key')
    } else if (problems.length) {
      log.error('journal check found problems', { problems: problems.length })
      // Recorded in the journal itself, so it outlives the head that moves on with the next entry.
      const recorded = entries.findLast((entry) => entry.type === 'chain' && entry.event === 'problems_found')
      if (recorded?.type !== 'chain' || recorded.detail !== detail)
        write({ type: 'chain', event: 'problems_found', officer: '', detail }, key)
    } else if (raws.length && !keyedBefore) {
      write(
        {
          type: 'chain',
          event: 'keyed',
          officer: '',
          detail: `entries 1 to ${raws.length}, chained with SHA-256, checked and carried over`,
        },
        key,
      )
      log.info('journal chain keyed', { carried: raws.length - 1 })
    }
    await writeHead()
  }

  /** Reads the file once; checks the chain until the keychain lets it (a locked keychain is asked again later). */
  function load(): Promise<void> {
    if (integrity.state !== 'unchecked') return Promise.resolve()
    loading ??= (async () => {
      try {
        if (!entries.length && !raws.length) readFile()
        await check()
      } catch (error) {
        // The keychain's failures come typed from the key and head stores; anything else is the app's own.
        const failure =
          error instanceof AppError ? error : new AppError('internal', 'The journal could not be checked.')
        integrity = { state: 'unchecked', problem: failure.toShape() }
        log.warn('journal not checked', { code: failure.code })
        throw failure
      } finally {
        loading = undefined
      }
    })()
    return loading
  }

  return {
    /** Opens and checks the journal; rejects while the keychain cannot give its key. */
    load,
    entries: (): readonly JournalEntry[] => entries,
    integrity: () => integrity,
    /** Whether an entry's seal held at the check (entries written since always do): only those settle anything. */
    trusted: (seq: number) => !untrusted.has(seq),

    /** The lines exactly as written and the head the keychain keeps: what an auditor verifies. */
    async audit(): Promise<{ lines: string[]; head: JournalHead | null }> {
      return { lines: [...lines], head: await head.read().catch(() => null) }
    },

    /** Appends one entry and flushes it; once this returns, it survives a crash, and the head is kept. */
    async append(record: JournalRecord): Promise<JournalEntry> {
      await load()
      if (!key) throw new AppError('keychain_error', 'The journal key could not be read.')
      const entry = write(record, key)
      await writeHead()
      return entry
    },
  }
}

export type Journal = ReturnType<typeof openJournal>

const CSV_COLUMNS = [
  'seq',
  'time',
  'officer',
  'type',
  'event',
  'videoidPk',
  'requestPk',
  'action',
  'attempt',
  'reason',
  'language',
  'checklist',
  'pairConfirmed',
  'errorCode',
  'status',
  'detail',
  'seal',
] as const

/** One CSV field: quoted, and never read by a spreadsheet as a formula. */
function csvField(value: unknown): string {
  let text = value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value)
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return `"${text.replaceAll('"', '""')}"`
}

/** An entry's columns, whatever its type: the phase or event in one, the rest where they apply. */
function csvRow(entry: JournalEntry): Record<(typeof CSV_COLUMNS)[number], unknown> {
  const row = entry as Partial<Record<string, unknown>>
  return {
    seq: entry.seq,
    time: entry.time,
    officer: entry.officer,
    type: entry.type,
    event: entry.type === 'setting' ? entry.setting : (row.phase ?? row.event),
    videoidPk: row.videoidPk,
    requestPk: row.requestPk,
    // An upload's part stands where a decision's action does.
    action: row.action ?? row.part,
    attempt: row.attempt,
    reason: row.reason,
    language: row.language,
    checklist: entry.type === 'decision' && entry.checklist ? entry.checklist.checked.join(' ') : undefined,
    pairConfirmed: row.pairConfirmed,
    errorCode: row.errorCode,
    status: row.status,
    detail:
      entry.type === 'setting'
        ? `${String(entry.from)} → ${String(entry.to)}`
        : entry.type === 'chain' || entry.type === 'lock'
          ? (row.detail ?? row.cause)
          : entry.type === 'upload'
            ? entry.sent
            : undefined,
    seal: entry.mac ?? entry.hash,
  }
}

/** The journal as CSV that a spreadsheet opens: a header, then one row per entry. */
export function journalCsv(entries: readonly JournalEntry[]): string {
  const rows = entries.map((entry) => {
    const row = csvRow(entry)
    return CSV_COLUMNS.map((column) => csvField(row[column])).join(',')
  })
  return `${[CSV_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`
}

/**
 * Whether the journal at `file` may speak of a signer (a decision, a Video ID created, an upload: their
 * pks, a refusal's words), told from its text without its key; what cannot be read counts as yes. The
 * lock guards a desk whose journal does, as it guards its case book.
 */
export async function journalMayHoldSigners(file: string): Promise<boolean> {
  try {
    // A line without a type is a decision, as an older version wrote them (and as the journal reads them).
    return (await readFile(file, 'utf8'))
      .split('\n')
      .some(
        (line) =>
          line.trim() && (!/"type"\s*:/.test(line) || /"type"\s*:\s*"(decision|creation|upload)"/.test(line)),
      )
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT'
  }
}

/**
 * What an auditor checks the journal with: its lines exactly as written (a MAC covers the line as
 * written, so re-serialised entries would not verify), the head the keychain keeps, and how.
 */
export function journalAuditRecord(
  audit: { lines: readonly string[]; head: JournalHead | null },
  integrity: JournalIntegrity,
  exportedAt: Date,
) {
  return {
    exportedAt: exportedAt.toISOString(),
    integrityAtExport: integrity,
    headInKeychain: audit.head,
    howToVerify: [
      '"lines" holds the journal file (decision-journal.jsonl) line by line, exactly as written, numbered from 1 by "seq".',
      'Lines with "mac": mac = HMAC-SHA-256(journal key, the line parsed as JSON, its "mac" field removed, serialised again with the fields in the order written), in hex; "prev" is the previous line\'s "mac" (or "hash"), or 64 zeros for the first line.',
      'Lines with "hash" (written before the chain was keyed): hash = SHA-256(the line without its "hash" field, serialised the same way), in hex; "prevHash" is the previous line\'s "hash", or 64 zeros.',
      'The journal key is 32 bytes, base64, in the operating system keychain of the desk that wrote it: service "com.raodesk.app.journal", account "journal-key". It never leaves that keychain; the desk checks the whole chain at every start.',
      'The journal is whole when every line verifies, "seq" runs 1, 2, 3 … with no gap, and the line at headInKeychain.seq carries headInKeychain.mac and is the last; a journal later found with fewer lines, or another MAC at that seq, was cut off or replaced.',
    ],
    lines: audit.lines,
  }
}
