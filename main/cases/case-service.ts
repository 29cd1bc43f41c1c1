import {
  type AddCasesResult,
  type Case,
  caseSchema,
  isFinalStatus,
  type NewVideoId,
  type PairResult,
  type Person,
  personSchema,
  type VideoIdDefaults,
} from '../../shared/cases'
import { AppError } from '../../shared/errors'
import type { Journal } from '../decisions/journal'
import type { Logger } from '../log'
import type { BillingCredentials, OneShotClient } from '../oneshot/client'
import type { RequestDetails } from '../oneshot/schemas'
import { type Scope, sameScope, scopeKey } from '../scope'
import { type CaseBook, caseKey, openCaseBook, recoverCaseBook, type StoredCase } from './case-book'
import { afterNotFound, DEFAULT_GONE_POLICY, dueForRecheck, type GonePolicy, optimizerAnswers } from './gone'
import { mapLimited } from './limit'
import { checkMatches, parsePairs } from './pairs'
import { type KeyStore, type SealKey, seal, unseal } from './seal'

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
  /** Told of every case that changed in the scope in use, to push it to the renderer. */
  onChange: (cases: Case[]) => void
  gonePolicy?: GonePolicy
  log: Logger
  now?: () => Date
}

/** One answer of the Optimizer about a case: its request, or its own 404 (the address answers `/hello`). */
export type CaseRead = { videoidPk: number; details: RequestDetails } | { videoidPk: number; notFound: true }

const ADD_CONCURRENCY = 8

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

/** What a read can change; a case whose read changes none of it is neither written nor pushed. */
const readable = (item: Case) =>
  JSON.stringify([
    item.status,
    item.statusSince,
    item.person,
    item.gone,
    item.missingSince,
    item.finalAt,
    item.sealedUnreadable,
  ])

/**
 * The case book as the app uses it: the Video IDs this workstation knows, per Optimizer and
 * environment, with the signer's data decrypted in memory only. Opens lazily, so a keychain that is
 * locked at start is asked again later rather than failing the app. Every operation takes its scope
 * (Optimizer and environment) once and keeps it.
 */
export function createCaseService(options: CaseServiceOptions) {
  const { keys, log } = options
  const gonePolicy = options.gonePolicy ?? DEFAULT_GONE_POLICY
  const now = () => (options.now ?? (() => new Date()))()

  type Opened = { book: CaseBook; key: SealKey | null; views: Map<string, Case> }
  let opened: Opened | undefined
  let damaged: { reason: string; lastGood?: { savedAt: string; cases: number } } | undefined
  let opening: Promise<Opened> | undefined

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
    const views = new Map<string, Case>()
    for (const stored of result.book.all()) views.set(caseKey(stored), viewOf(stored, key))
    opened = { book: result.book, key, views }
    return opened
  }

  async function open(): Promise<Opened> {
    if (opened) return opened
    if (damaged) throw bookDamaged()
    opening ??= (async () => {
      try {
        const key = await keys.read()
        const book = adopt(openCaseBook(options.file), key)
        await keepCreations(book)
        return book
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
    // The renderer shows the scope in use; another scope's cases wait until it is chosen.
    if (sameScope(scope, options.scope())) options.onChange([...cases])
  }

  const keyIn = (scope: Scope, videoidPk: number) => caseKey({ ...scope, videoidPk })

  async function find(videoidPk: number, scope: Scope): Promise<{ book: Opened; item: Case }> {
    const book = await open()
    const item = book.views.get(keyIn(scope, videoidPk))
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
      const item = book.views.get(key)
      if (!item) continue
      const updated = applied(item, read, at)
      results.push(updated)
      if (readable(updated) !== readable(item)) changed.push(updated)
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
   * written then): put in now, to be read at the next sync. The API cannot list them, so this is their
   * only way back.
   */
  async function keepCreations(book: Opened): Promise<void> {
    try {
      await options.journal.load()
    } catch {
      return
    }
    const missing = new Map<string, { scope: Scope; item: Case }>()
    for (const entry of options.journal.entries()) {
      if (entry.type !== 'creation' || entry.phase !== 'created' || !entry.videoidPk || !entry.requestPk)
        continue
      if (!entry.optimizer || !entry.environment) continue
      const scope = { optimizer: entry.optimizer, environment: entry.environment }
      const key = keyIn(scope, entry.videoidPk)
      if (!book.views.has(key))
        missing.set(key, { scope, item: fresh(entry.videoidPk, entry.requestPk, true) })
    }
    for (const { scope, item } of missing.values()) await store(book, scope, [item])
    if (missing.size) log.warn('created Video IDs put back into the case book', { count: missing.size })
  }

  /** Every case of a scope (the one in use unless said), oldest first. */
  async function list(scope: Scope = options.scope()): Promise<Case[]> {
    const book = await open()
    const prefix = `${scopeKey(scope)} `
    const cases: Case[] = []
    for (const [key, item] of book.views) if (key.startsWith(prefix)) cases.push(item)
    return cases.sort(oldestFirst)
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

    /** Whether the case is in the book, for the Optimizer and environment in use. */
    has: async (videoidPk: number, scope: Scope = options.scope()) =>
      (await open()).views.has(keyIn(scope, videoidPk)),

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
      await keepCreations(adopt(result, await keys.read()))
      log.warn('case book recovered', { from, keptAside: keptAside.length })
      return { keptAside }
    },

    /**
     * Pasted lines or a CSV: each line is read from the Optimizer and gets its own result. A line with a
     * check is added only when the check names the request's signer, and then counts as verified.
     */
    async addPairs(text: string): Promise<AddCasesResult> {
      const parsed = parsePairs(text)
      if (parsed.kind !== 'lines') return parsed
      const scope = options.scope()
      const client = options.oneshotFor(scope)
      const book = await open()
      const seen = new Set<number>()
      const requests = new Set<number>()
      const takenRequests = new Set((await list(scope)).map((item) => item.requestPk))
      const results: PairResult[] = []
      const toCheck: { result: PairResult; item: Case; check?: string }[] = []
      for (const { line, text: row, pair } of parsed.lines) {
        if (!pair) {
          results.push({ line, text: row, outcome: 'malformed' })
          continue
        }
        const known = seen.has(pair.videoidPk) || book.views.has(keyIn(scope, pair.videoidPk))
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
      const added: Case[] = []
      const at = now()
      await mapLimited(toCheck, ADD_CONCURRENCY, async ({ result, item, check }) => {
        let details: RequestDetails
        try {
          details = await client.getRequest(item.requestPk)
        } catch (error) {
          if (error instanceof AppError && error.code === 'not_found') result.outcome = 'not_found'
          else if (check !== undefined) result.outcome = 'check_unavailable'
          else {
            // The pair cannot be read now; it is kept, and the next sync reads it.
            result.outcome = 'added_unchecked'
            added.push(item)
          }
          return
        }
        if (check !== undefined && !checkMatches(check, personFrom(details))) {
          result.outcome = 'check_mismatch'
          return
        }
        added.push(applied(item, { videoidPk: item.videoidPk, details }, at))
      })
      await store(book, scope, added)
      return { kind: 'lines', results }
    },

    videoIdDefaults,

    /**
     * `POST /videoid`, written ahead in the journal (as decisions are), then the new case goes into the
     * book. Where the book cannot be written, the pks the Optimizer answered are in the journal (the case
     * comes back at the next open) and in the error, for the officer to copy.
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

    /** The cases a sync reads: not yet final and not gone, gone ones now and then, and unreadable data. */
    async toSync(scope: Scope): Promise<Case[]> {
      const at = now()
      return (await list(scope)).filter(
        (item) =>
          item.sealedUnreadable ||
          (item.gone ? dueForRecheck(item, at, gonePolicy) : !isFinalStatus(item.status)),
      )
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
