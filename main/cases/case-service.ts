import { isDeepStrictEqual } from 'node:util'
import {
  type AddCasesResult,
  type Case,
  type CaseRow,
  caseSchema,
  firstInQueue,
  isFinalStatus,
  type NewVideoId,
  orderCases,
  type PairResult,
  type Person,
  personSchema,
  rowOf,
  type VideoIdDefaults,
} from '../../shared/cases'
import { AppError } from '../../shared/errors'
import type { Journal } from '../decisions/journal'
import type { Logger } from '../log'
import type { BillingCredentials, OneShotClient } from '../oneshot/client'
import type { RequestDetails } from '../oneshot/schemas'
import { type Scope, sameScope, scopeKey } from '../scope'
import {
  bookMayHoldCases,
  type CaseBook,
  caseKey,
  openCaseBook,
  recoverCaseBook,
  type StoredCase,
} from './case-book'
import { afterNotFound, DEFAULT_GONE_POLICY, dueForRecheck, type GonePolicy, optimizerAnswers } from './gone'
import { mapLimited } from './limit'
import { checkMatches, parsePairs } from './pairs'
import { type KeyStore, type SealKey, seal, sealedWith, unseal } from './seal'

export type { Scope } from '../scope'

export type CaseClient = Pick<OneShotClient, 'getRequest' | 'createVideoId' | 'getSettings' | 'hello'>

export interface CaseServiceOptions {
  file: string
  keys: KeyStore
  /** The One-Shot client for an Optimizer and environment: each operation takes one at its start. */
  oneshotFor: (scope: Scope) => CaseClient
  /** The Optimizer and environment in use. */
  scope: () => Scope
  /** The officer's billing credentials for an Optimizer and environment, where they stored any. */
  billing: (scope: Scope) => Promise<BillingCredentials | undefined>
  /** Where a Video ID's creation is written ahead, as decisions are. */
  journal: Pick<Journal, 'append' | 'entries' | 'load'>
  /** The officer a creation is written for. */
  officer: () => Promise<string>
  /**
   * Told of the queue rows of the scope in use that changed (a case written, or its data unsealed),
   * numbered, to push them to the renderer.
   */
  onRows: (change: number, rows: CaseRow[]) => void
  /** Told of the cases of the scope in use written to the book (added, read, changed): team mode shares them. */
  onWritten?: (cases: Case[]) => void
  /** Which states wait for this desk (a setting): their cases' data is unsealed first. */
  twoStepMode: () => boolean
  gonePolicy?: GonePolicy
  log: Logger
  now?: () => Date
}

/** How an addition of pairs is followed and stopped. */
export interface AddRun {
  onProgress?: (checked: number, total: number) => void
  signal?: AbortSignal
}

/** One answer of the Optimizer about a case: its request, or its own 404 (the address answers `/hello`). */
export type CaseRead = { videoidPk: number; details: RequestDetails } | { videoidPk: number; notFound: true }

const ADD_CONCURRENCY = 8
/** Progress of an addition is told, and what it checked written, at most this often. */
const PROGRESS_MS = 250
/** Rows the first answer carries unsealed: more than a screen of the queue. */
const FIRST_ROWS = 100
/**
 * Unsealing in the background starts once the window has had time to paint the first rows, yields to
 * everything else this often, and pushes rows at most this often.
 */
const UNSEAL_AFTER_MS = 250
const UNSEAL_SLICE_MS = 8
const PUSH_ROWS_MS = 250

const oldestFirst = (a: Case, b: Case) =>
  a.addedAt < b.addedAt ? -1 : a.addedAt > b.addedAt ? 1 : a.videoidPk - b.videoidPk

const sealedOf = (stored: StoredCase, key: SealKey | null) => {
  if (!stored.sealed) return { person: {}, note: '', unreadable: false }
  const value = unseal(key, stored.sealed) as
    | { person?: unknown; note?: unknown; reasonDraft?: unknown }
    | undefined
  const person = personSchema.safeParse(value?.person)
  if (!value || !person.success) return { person: {}, note: '', unreadable: true }
  const draft = caseSchema.shape.reasonDraft.safeParse(value.reasonDraft)
  return {
    person: person.data,
    note: typeof value.note === 'string' ? value.note : '',
    ...(draft.success && draft.data ? { reasonDraft: draft.data } : {}),
    unreadable: false,
  }
}

function personFrom(details: RequestDetails): Person {
  const { requestPk: _pk, status: _status, ...person } = details
  return Object.fromEntries(Object.entries(person).filter(([, value]) => value !== undefined))
}

/**
 * What a read can change; a case whose read changes none of it is neither written nor pushed. Compared
 * as values: the signer's fields come in the schema's order from the sealed copy and in the answer's
 * order from the Optimizer.
 */
const readable = (item: Case) => [
  item.status,
  item.statusSince,
  item.person,
  item.gone,
  item.missingSince,
  item.finalAt,
  item.sealedUnreadable,
]

/**
 * The case book as the app uses it: the Video IDs this workstation knows, per Optimizer and
 * environment, with the signer's data decrypted in memory only. Opens lazily, so a keychain that is
 * locked at start is asked again later rather than failing the app. A case's sealed data is opened when
 * something needs it (a read, a decision, the case on screen), and the queue's rows in the background
 * after the book's first answer, so the start does not wait for every case to be decrypted. Every
 * operation takes its scope (Optimizer and environment) once and keeps it.
 */
export function createCaseService(options: CaseServiceOptions) {
  const { keys, log } = options
  const gonePolicy = options.gonePolicy ?? DEFAULT_GONE_POLICY
  const now = () => (options.now ?? (() => new Date()))()

  /** The book's entries as stored, and the cases whose sealed data was opened, with what reads changed in memory. */
  type Opened = { book: CaseBook; key: SealKey | null; views: Map<string, Case> }
  let opened: Opened | undefined
  let damaged: { reason: string; lastGood?: { savedAt: string; cases: number } } | undefined
  let opening: Promise<Opened> | undefined
  /** Rows pushed so far, numbered: the renderer applies over the book's answer only those after it. */
  let change = 0
  /**
   * The background passes that unseal the queue's rows, by scope: one running or done (the cases written
   * since are whole in memory already). A pass that stopped, the settings moved on, is dropped, and the
   * scope's next answer starts another.
   */
  const unsealing = new Map<string, Promise<void>>()
  let closed = false
  /** Video IDs created here put back into the book, once the journal could be read (`restoreCreations`). */
  let restoring: Promise<void> | undefined

  const viewOf = (stored: StoredCase, key: SealKey | null): Case => {
    const sealed = sealedOf(stored, key)
    return {
      videoidPk: stored.videoidPk,
      requestPk: stored.requestPk,
      status: stored.status,
      addedAt: stored.addedAt,
      ...(stored.syncedAt ? { syncedAt: stored.syncedAt } : {}),
      ...(stored.finalAt ? { finalAt: stored.finalAt } : {}),
      ...(stored.statusSince ? { statusSince: stored.statusSince } : {}),
      ...(stored.missingSince ? { missingSince: stored.missingSince } : {}),
      gone: stored.gone,
      pairVerified: stored.verified ?? false,
      person: sealed.person,
      note: sealed.note,
      ...(sealed.reasonDraft ? { reasonDraft: sealed.reasonDraft } : {}),
      sealedUnreadable: sealed.unreadable,
    }
  }

  function adopt(result: ReturnType<typeof openCaseBook>, key: SealKey | null): Opened {
    if (result.state === 'damaged') {
      damaged = { reason: result.reason, ...(result.lastGood ? { lastGood: result.lastGood } : {}) }
      log.error('case book unreadable: kept as it is', { reason: result.reason })
      throw bookDamaged()
    }
    damaged = undefined
    opened = { book: result.book, key, views: new Map() }
    return opened
  }

  /** The case, its sealed data opened now if nothing asked for it before. */
  function caseAt(book: Opened, key: string): Case | undefined {
    const seen = book.views.get(key)
    if (seen) return seen
    const stored = book.book.get(key)
    if (!stored) return undefined
    const item = viewOf(stored, book.key)
    book.views.set(key, item)
    return item
  }

  /** A case's queue row: with its signer once its data was opened, or where nothing could open it. */
  function rowAt(book: Opened, stored: StoredCase, key: string): CaseRow {
    const unopenable = !stored.sealed || !sealedWith(book.key, stored.sealed)
    const item = book.views.get(key) ?? (unopenable ? caseAt(book, key) : undefined)
    if (item) return rowOf(item)
    return {
      videoidPk: stored.videoidPk,
      requestPk: stored.requestPk,
      status: stored.status,
      addedAt: stored.addedAt,
      ...(stored.statusSince ? { statusSince: stored.statusSince } : {}),
      gone: stored.gone,
      pairVerified: stored.verified ?? false,
      sealedUnreadable: false,
    }
  }

  /** The entries of one Optimizer and environment (whatever the spelling of its address), as stored. */
  function entriesOf(book: Opened, scope: Scope): StoredCase[] {
    const entries: StoredCase[] = []
    for (const stored of book.book.all()) if (sameScope(stored, scope)) entries.push(stored)
    return entries
  }

  /** Pushes rows of the scope in use to the renderer; another scope's wait until it is chosen. */
  function push(scope: Scope, rows: CaseRow[]): void {
    if (rows.length && sameScope(scope, options.scope())) options.onRows(++change, rows)
  }

  /**
   * Pushes the row of every case of a scope that the book's answer carried without its signer, in the
   * queue's order, its sealed data opened now unless something opened it meanwhile (a sync round's read
   * changes nothing it pushes): a slice at a time, so that answers and the window's own requests go
   * between. It stops when the app closes or another scope is chosen: that scope's signers are not
   * needed meanwhile.
   */
  function unsealRest(book: Opened, scope: Scope, sealed: readonly StoredCase[]): void {
    const id = scopeKey(scope)
    if (unsealing.has(id)) return
    const stale = () => closed || !sameScope(scope, options.scope())
    const pass = async () => {
      await new Promise((resolve) => setTimeout(resolve, UNSEAL_AFTER_MS))
      const order = orderCases(sealed, options.twoStepMode())
      // The cases unsealed since the last push, by key: each goes out as it is at the push, so a case
      // written meanwhile (a refresh) is never pushed after its newer row as it was before.
      let unsealed: string[] = []
      let pushedAt = Date.now()
      let index = 0
      while (index < order.length) {
        // Between slices, whatever else waits goes first.
        await new Promise((resolve) => setImmediate(resolve))
        if (stale()) {
          unsealing.delete(id)
          return
        }
        const until = performance.now() + UNSEAL_SLICE_MS
        for (; index < order.length && performance.now() < until; index++) {
          const key = caseKey(order[index] as StoredCase)
          if (caseAt(book, key)) unsealed.push(key)
        }
        if (index === order.length || Date.now() - pushedAt >= PUSH_ROWS_MS) {
          push(scope, rowsAt(book, unsealed))
          unsealed = []
          pushedAt = Date.now()
        }
      }
    }
    unsealing.set(id, pass())
  }

  /** The queue rows of cases opened already, as they are now. */
  const rowsAt = (book: Opened, keys: readonly string[]) =>
    keys.flatMap((key) => {
      const item = book.views.get(key)
      return item ? [rowOf(item)] : []
    })

  async function open(): Promise<Opened> {
    if (opened) return opened
    if (damaged) throw bookDamaged()
    opening ??= (async () => {
      try {
        const key = await keys.read()
        return adopt(openCaseBook(options.file), key)
      } finally {
        opening = undefined
      }
    })()
    return opening
  }

  const bookDamaged = () =>
    new AppError('case_book_damaged', 'The case book cannot be read. It is kept as it was.', damaged?.reason)

  /** Seals the signer's data and note with the keychain's key (made once, whoever asks first), and writes. */
  async function store(book: Opened, scope: Scope, cases: readonly Case[]): Promise<void> {
    if (!cases.length) return
    if (!book.key) book.key = await keys.readOrCreate()
    const key = book.key
    book.book.put(
      cases.map((item) => ({
        ...scope,
        videoidPk: item.videoidPk,
        requestPk: item.requestPk,
        status: item.status,
        addedAt: item.addedAt,
        ...(item.syncedAt ? { syncedAt: item.syncedAt } : {}),
        ...(item.finalAt ? { finalAt: item.finalAt } : {}),
        ...(item.statusSince ? { statusSince: item.statusSince } : {}),
        ...(item.missingSince ? { missingSince: item.missingSince } : {}),
        gone: item.gone,
        verified: item.pairVerified,
        sealed: seal(key, { person: item.person, note: item.note, reasonDraft: item.reasonDraft }),
      })),
    )
    for (const item of cases) book.views.set(caseKey({ ...scope, videoidPk: item.videoidPk }), item)
    push(scope, cases.map(rowOf))
    if (sameScope(scope, options.scope())) options.onWritten?.([...cases])
  }

  const keyIn = (scope: Scope, videoidPk: number) => caseKey({ ...scope, videoidPk })

  async function find(videoidPk: number, scope: Scope): Promise<{ book: Opened; item: Case }> {
    const book = await open()
    const item = caseAt(book, keyIn(scope, videoidPk))
    if (!item) throw new AppError('not_found', 'This case is not in the case book.')
    return { book, item }
  }

  /** The case as the Optimizer's answer leaves it; the note is the officer's and stays. */
  function applied(item: Case, read: CaseRead, at: Date): Case {
    if ('notFound' in read) return { ...afterNotFound(item, at, gonePolicy), syncedAt: at.toISOString() }
    const { status } = read.details
    const { missingSince: _cleared, ...rest } = item
    return {
      ...rest,
      ...(isFinalStatus(status) ? { finalAt: item.finalAt ?? at.toISOString() } : { finalAt: undefined }),
      statusSince: status === item.status && item.statusSince ? item.statusSince : at.toISOString(),
      status,
      person: personFrom(read.details),
      gone: false,
      sealedUnreadable: false,
      syncedAt: at.toISOString(),
    }
  }

  /** Writes the cases a read changed; the others only note, in memory, that they were read. */
  async function applyReads(book: Opened, scope: Scope, reads: readonly CaseRead[]): Promise<Case[]> {
    const at = now()
    const changed: Case[] = []
    const results: Case[] = []
    for (const read of reads) {
      const key = keyIn(scope, read.videoidPk)
      const item = caseAt(book, key)
      if (!item) continue
      const updated = applied(item, read, at)
      results.push(updated)
      if (!isDeepStrictEqual(readable(updated), readable(item))) changed.push(updated)
      else book.views.set(key, updated)
    }
    await store(book, scope, changed)
    return results
  }

  const fresh = (videoidPk: number, requestPk: number, verified: boolean, person: Person = {}): Case => ({
    videoidPk,
    requestPk,
    status: 'UNKNOWN',
    addedAt: now().toISOString(),
    gone: false,
    pairVerified: verified,
    person,
    note: '',
    sealedUnreadable: false,
  })

  /**
   * Video IDs this desk created whose answer is in the journal but not in the book (the book could not be
   * written then): put in now, to be read by the sync. The API cannot list them, so this is their only
   * way back. Answers whether the journal could be read.
   */
  async function keepCreations(book: Opened): Promise<boolean> {
    try {
      await options.journal.load()
    } catch {
      return false
    }
    const missing = new Map<string, { scope: Scope; item: Case }>()
    for (const entry of options.journal.entries()) {
      if (entry.type !== 'creation' || entry.phase !== 'created' || !entry.videoidPk || !entry.requestPk)
        continue
      if (!entry.optimizer || !entry.environment) continue
      const scope = { optimizer: entry.optimizer, environment: entry.environment }
      const key = keyIn(scope, entry.videoidPk)
      if (!book.book.get(key))
        missing.set(key, { scope, item: fresh(entry.videoidPk, entry.requestPk, true) })
    }
    for (const { scope, item } of missing.values()) await store(book, scope, [item])
    if (missing.size) log.warn('created Video IDs put back into the case book', { count: missing.size })
    return true
  }

  /**
   * Puts back the Video IDs created here that the book lacks, once: before the first sync round reads
   * the book, not on the way to the book's first answer, which would wait for the whole journal to be
   * read. Tried again at the next round where the journal could not be read (a locked keychain).
   */
  function restoreCreations(book: Opened): Promise<void> {
    restoring ??= keepCreations(book).then((done) => {
      if (!done) restoring = undefined
    })
    return restoring
  }

  /** Every case of a scope (the one in use unless said), whole, oldest first: each one's data opened. */
  async function list(scope: Scope = options.scope()): Promise<Case[]> {
    const book = await open()
    const cases: Case[] = []
    for (const stored of entriesOf(book, scope)) {
      const item = caseAt(book, caseKey(stored))
      if (item) cases.push(item)
    }
    return cases.sort(oldestFirst)
  }

  /**
   * The queue's rows of a scope (the one in use unless said), and the number of the last rows pushed.
   * The queue's first rows come with their signer; the rest are unsealed after, in the background.
   */
  async function rows(scope: Scope = options.scope()): Promise<{ rows: CaseRow[]; changes: number }> {
    const book = await open()
    const entries = entriesOf(book, scope)
    const prefix = `${scopeKey(scope)} `
    for (const stored of firstInQueue(entries, FIRST_ROWS, options.twoStepMode()))
      caseAt(book, prefix + stored.videoidPk)
    const answer = entries.map((stored) => rowAt(book, stored, prefix + stored.videoidPk))
    // What the answer carries without its signer is pushed, unsealed, in the background.
    unsealRest(
      book,
      scope,
      entries.filter((_, index) => !answer[index]?.person),
    )
    return { rows: answer, changes: change }
  }

  const wrongAddress = (detail: string | undefined) =>
    new AppError(
      'unexpected_answer',
      'The Optimizer address answers “not found” to everything: check the address, or the proxy in front of it.',
      detail,
    )

  /** Reads one case from the Optimizer now; a 404 marks it missing (then gone) under the one policy. */
  async function refresh(videoidPk: number, scope: Scope = options.scope()): Promise<Case> {
    const { book, item } = await find(videoidPk, scope)
    const client = options.oneshotFor(scope)
    let read: CaseRead
    try {
      read = { videoidPk, details: await client.getRequest(item.requestPk) }
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'not_found') throw error
      if (!(await optimizerAnswers(client))) throw wrongAddress(error.detail)
      read = { videoidPk, notFound: true }
      const [updated] = await applyReads(book, scope, [read])
      throw new AppError(
        'not_found',
        updated?.gone
          ? 'The Optimizer no longer knows this request.'
          : 'The Optimizer did not find this request. RAO Desk reads it again before it takes the case off the queue.',
        error.detail,
      )
    }
    const [updated] = await applyReads(book, scope, [read])
    return updated ?? item
  }

  /**
   * Reads a pasted pair's request and sets its outcome: the case to add (read, or kept unread while the
   * Optimizer is away and no check waits on it), or nothing.
   */
  async function checkPair(
    client: CaseClient,
    result: PairResult,
    item: Case,
    check: string | undefined,
    at: Date,
  ): Promise<Case | undefined> {
    let details: RequestDetails
    try {
      details = await client.getRequest(item.requestPk)
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found') result.outcome = 'not_found'
      else if (check !== undefined) result.outcome = 'check_unavailable'
      else {
        // The pair cannot be read now; it is kept, and the next sync reads it.
        result.outcome = 'added_unchecked'
        return item
      }
      return undefined
    }
    if (check !== undefined && !checkMatches(check, personFrom(details))) {
      result.outcome = 'check_mismatch'
      return undefined
    }
    return applied(item, { videoidPk: item.videoidPk, details }, at)
  }

  /** What the new-Video-ID form starts from. */
  async function videoIdDefaults(scope: Scope = options.scope()): Promise<VideoIdDefaults> {
    const [settings, billing] = await Promise.all([
      options.oneshotFor(scope).getSettings(),
      options.billing(scope),
    ])
    return {
      ...(settings.defaultRa ? { registrationAuthority: settings.defaultRa } : {}),
      ...(settings.defaultProfile ? { profile: settings.defaultProfile } : {}),
      optimizerHasBilling: Boolean(settings.billingUsername && settings.billingPasswordSet),
      officerHasBilling: billing !== undefined,
    }
  }

  return {
    list,
    rows,

    /** Whether the case is in the book, for the Optimizer and environment in use. */
    has: async (videoidPk: number, scope: Scope = options.scope()) =>
      (await open()).book.get(keyIn(scope, videoidPk)) !== undefined,

    /** Whether the book may hold a case, in any Optimizer and environment, answered without opening it. */
    mayHoldCases: () => bookMayHoldCases(options.file),

    /** Every case in the book, in any Optimizer and environment, with what the video cache's purge needs. */
    async retention() {
      const book = await open()
      return [...book.book.all()].map((entry) => ({
        optimizer: entry.optimizer,
        environment: entry.environment,
        videoidPk: entry.videoidPk,
        status: entry.status,
        // Older entries have no finalAt: the last read stands in for it.
        finalAt: entry.finalAt ?? entry.syncedAt ?? entry.addedAt,
      }))
    },

    /** Why the book is closed, for the recovery screen; undefined while it is open or not yet tried. */
    damage: () => (damaged ? { file: options.file, ...damaged } : undefined),

    /** Sets the unreadable book aside and opens the last good copy, or a new book, as the officer chose. */
    async recover(from: 'last_good' | 'empty'): Promise<{ keptAside: string[] }> {
      if (!damaged) throw new AppError('invalid_input', 'The case book is not damaged.')
      if (from === 'last_good' && !damaged.lastGood)
        throw new AppError('invalid_input', 'There is no last good copy of the case book.')
      const { opened: result, keptAside } = recoverCaseBook(options.file, from, now())
      await restoreCreations(adopt(result, await keys.read()))
      log.warn('case book recovered', { from, keptAside: keptAside.length })
      return { keptAside }
    },

    /**
     * Pasted lines or a CSV: each line is read from the Optimizer and gets its own result. A line with a
     * check is added only when the check names the request's signer, and then counts as verified. The
     * pairs checked are written as they come, so a stop (the signal) keeps them; the lines not read by
     * then are `cancelled`. Progress is told a few times a second.
     */
    async addPairs(text: string, run: AddRun = {}): Promise<AddCasesResult> {
      const parsed = parsePairs(text)
      if (parsed.kind !== 'lines') return parsed
      const scope = options.scope()
      const client = options.oneshotFor(scope)
      const book = await open()
      const seen = new Set<number>()
      const requests = new Set<number>()
      const takenRequests = new Set(entriesOf(book, scope).map((stored) => stored.requestPk))
      const results: PairResult[] = []
      const toCheck: { result: PairResult; item: Case; check?: string }[] = []
      for (const { line, text: row, pair } of parsed.lines) {
        if (!pair) {
          results.push({ line, text: row, outcome: 'malformed' })
          continue
        }
        const known = seen.has(pair.videoidPk) || book.book.get(keyIn(scope, pair.videoidPk)) !== undefined
        seen.add(pair.videoidPk)
        // A request has one Video ID: a second pair with it has a typo in one of them, whose video
        // would show beside the other person's data. The check cannot see that: it reads the request.
        const taken = !known && (requests.has(pair.requestPk) || takenRequests.has(pair.requestPk))
        requests.add(pair.requestPk)
        const result: PairResult = {
          line,
          text: row,
          outcome: known ? 'already_known' : taken ? 'request_taken' : 'added',
          videoidPk: pair.videoidPk,
        }
        results.push(result)
        if (!known && !taken)
          toCheck.push({
            result,
            item: fresh(pair.videoidPk, pair.requestPk, pair.check !== undefined),
            ...(pair.check ? { check: pair.check } : {}),
          })
      }
      let added: Case[] = []
      let checked = 0
      let toldAt = 0
      const tell = () => {
        toldAt = Date.now()
        run.onProgress?.(checked, toCheck.length)
      }
      const flush = () => {
        const batch = added
        added = []
        return store(book, scope, batch)
      }
      tell()
      const at = now()
      await mapLimited(toCheck, ADD_CONCURRENCY, async ({ result, item, check }) => {
        if (run.signal?.aborted) {
          result.outcome = 'cancelled'
          return
        }
        const checkedCase = await checkPair(client, result, item, check, at)
        if (checkedCase) added.push(checkedCase)
        checked++
        if (Date.now() - toldAt >= PROGRESS_MS) {
          tell()
          await flush()
        }
      })
      await flush()
      tell()
      return { kind: 'lines', results }
    },

    videoIdDefaults,

    /**
     * `POST /videoid`, written ahead in the journal (as decisions are), then the new case goes into the
     * book. Where the book cannot be written, the pks the Optimizer answered are in the journal (the case
     * comes back with the first sync round after the next start) and in the error, for the officer to copy.
     */
    async create(input: NewVideoId): Promise<{ case: Case; link?: string }> {
      const scope = options.scope()
      const book = await open()
      const defaults = await videoIdDefaults(scope)
      let billing: BillingCredentials | undefined
      if (!defaults.optimizerHasBilling) {
        billing = await options.billing(scope)
        if (!billing)
          throw new AppError(
            'billing_missing',
            'Neither the Optimizer nor your credentials hold billing credentials.',
          )
      }
      const officer = await options.officer()
      const intended = await options.journal.append({
        type: 'creation',
        phase: 'intended',
        officer,
        ...scope,
      })
      const outcome = (phase: 'created' | 'failed' | 'unknown', extra: object) =>
        options.journal.append({
          type: 'creation',
          phase,
          officer,
          ...scope,
          attempt: intended.seq,
          ...extra,
        })
      let created: Awaited<ReturnType<CaseClient['createVideoId']>>
      try {
        created = await options.oneshotFor(scope).createVideoId(input, {
          environment: scope.environment,
          ...(billing ? { billing } : {}),
        })
      } catch (error) {
        const failure =
          error instanceof AppError ? error : new AppError('internal', 'The Video ID was not created.')
        await outcome(failure.httpStatus === undefined ? 'unknown' : 'failed', { errorCode: failure.code })
        throw failure
      }
      const pks = `videoid_pk ${created.videoidPk}, request_pk ${created.requestPk}`
      const item: Case = {
        ...fresh(created.videoidPk, created.requestPk, true, {
          email: input.email,
          mobilePhoneNumber: input.mobilePhoneNumber,
          profile: input.profile,
          registrationAuthority: input.registrationAuthority,
        }),
        status: 'VIDEOPENDING',
        statusSince: now().toISOString(),
      }
      try {
        await outcome('created', { videoidPk: created.videoidPk, requestPk: created.requestPk })
        await store(book, scope, [item])
      } catch (error) {
        log.error('created Video ID not written into the case book', {
          code: error instanceof AppError ? error.code : 'internal',
        })
        throw new AppError(
          'created_not_saved',
          'The Video ID was created on the Optimizer, but RAO Desk could not save it on this computer. Copy its numbers now.',
          `${pks}${error instanceof AppError ? ` (${error.message})` : ''}`,
        )
      }
      return { case: item, ...(created.link ? { link: created.link } : {}) }
    },

    /**
     * Cases another desk of the team added, put into this book as they are shared (pks, whether the pair
     * was verified, when added): the signer's data is read from the Optimizer at the next sync, as for
     * any case. Those the book has already are left as they are.
     */
    async adoptShared(
      scope: Scope,
      items: readonly { videoidPk: number; requestPk: number; pairVerified: boolean; addedAt: string }[],
    ): Promise<Case[]> {
      const book = await open()
      const added = items
        .filter((item) => book.book.get(keyIn(scope, item.videoidPk)) === undefined)
        .map((item) => ({
          ...fresh(item.videoidPk, item.requestPk, item.pairVerified),
          addedAt: item.addedAt,
        }))
      await store(book, scope, added)
      return added
    },

    /**
     * The cases a sync reads: not yet final and not gone, gone ones now and then, and those whose data
     * cannot be opened (sealed under a lost key, or found damaged when it was opened); creations the
     * book lacks put back first.
     */
    async toSync(scope: Scope): Promise<Pick<Case, 'videoidPk' | 'requestPk'>[]> {
      const at = now()
      const book = await open()
      await restoreCreations(book)
      const targets: Pick<Case, 'videoidPk' | 'requestPk'>[] = []
      for (const stored of entriesOf(book, scope)) {
        const item = book.views.get(caseKey(stored))
        const facts = item ?? stored
        const unreadable = item
          ? item.sealedUnreadable
          : stored.sealed !== undefined && !sealedWith(book.key, stored.sealed)
        if (unreadable || (facts.gone ? dueForRecheck(facts, at, gonePolicy) : !isFinalStatus(facts.status)))
          targets.push({ videoidPk: stored.videoidPk, requestPk: stored.requestPk })
      }
      return targets
    },

    /** Writes what the Optimizer answered for a scope, as one write of the cases that changed. */
    async apply(reads: readonly CaseRead[], scope: Scope): Promise<void> {
      await applyReads(await open(), scope, reads)
    },

    refresh,

    /** One case of a scope (the one in use unless said); `not_found` if the book does not have it. */
    get: async (videoidPk: number, scope: Scope = options.scope()) => (await find(videoidPk, scope)).item,

    async setNote(videoidPk: number, note: string): Promise<Case> {
      const scope = options.scope()
      const { book, item } = await find(videoidPk, scope)
      const updated = { ...item, note }
      await store(book, scope, [updated])
      return updated
    },

    /** Stops unsealing in the background, and waits for the slice under way. */
    async close(): Promise<void> {
      closed = true
      await Promise.all(unsealing.values())
    },

    /** Keeps (or, with undefined, drops) the refusal reason being typed for a case. */
    async setReasonDraft(
      videoidPk: number,
      draft: Case['reasonDraft'],
      scope: Scope = options.scope(),
    ): Promise<Case> {
      const { book, item } = await find(videoidPk, scope)
      const { reasonDraft: _old, ...rest } = item
      const updated = draft ? { ...rest, reasonDraft: draft } : rest
      await store(book, scope, [updated])
      return updated
    },
  }
}

export type CaseService = ReturnType<typeof createCaseService>
