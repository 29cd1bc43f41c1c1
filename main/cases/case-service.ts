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
import type { Environment } from '../../shared/settings'
import type { Logger } from '../log'
import type { BillingCredentials, OneShotClient } from '../oneshot/client'
import type { RequestDetails } from '../oneshot/schemas'
import { type CaseBook, caseKey, openCaseBook, recoverCaseBook, type StoredCase } from './case-book'
import { mapLimited } from './limit'
import { parsePairs } from './pairs'
import { type KeyStore, type SealKey, seal, unseal } from './seal'

/** The Optimizer and environment the cases belong to: the same pk means another case elsewhere. */
export interface Scope {
  optimizer: string
  environment: Environment
}

export interface CaseServiceOptions {
  file: string
  keys: KeyStore
  oneshot: Pick<OneShotClient, 'getRequest' | 'createVideoId' | 'getSettings'>
  scope: () => Scope
  /** The officer's billing credentials, where they stored any. */
  billing: () => Promise<BillingCredentials | undefined>
  /** Told of every case that changed, to push it to the renderer. */
  onChange: (cases: Case[]) => void
  log: Logger
  now?: () => Date
}

/** One answer of the Optimizer about a case, as sync and refresh apply it. */
export type CaseRead = { videoidPk: number; details: RequestDetails } | { videoidPk: number; gone: true }

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

/**
 * The case book as the app uses it: the Video IDs this workstation knows, per Optimizer and
 * environment, with the signer's data decrypted in memory only. Opens lazily, so a keychain that is
 * locked at start is asked again later rather than failing the app.
 */
export function createCaseService(options: CaseServiceOptions) {
  const { keys, oneshot, log } = options
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
      gone: stored.gone,
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
        return adopt(openCaseBook(options.file), key)
      } finally {
        opening = undefined
      }
    })()
    return opening
  }

  const bookDamaged = () =>
    new AppError('case_book_damaged', 'The case book cannot be read. It is kept as it was.', damaged?.reason)

  /** Seals the signer's data and note with the keychain's key, made on first use. */
  async function store(book: Opened, cases: readonly Case[]): Promise<void> {
    if (!cases.length) return
    if (!book.key) book.key = await keys.readOrCreate()
    const { optimizer, environment } = options.scope()
    const key = book.key
    book.book.put(
      cases.map((item) => ({
        optimizer,
        environment,
        videoidPk: item.videoidPk,
        requestPk: item.requestPk,
        status: item.status,
        addedAt: item.addedAt,
        ...(item.syncedAt ? { syncedAt: item.syncedAt } : {}),
        ...(item.finalAt ? { finalAt: item.finalAt } : {}),
        gone: item.gone,
        sealed: seal(key, { person: item.person, note: item.note, reasonDraft: item.reasonDraft }),
      })),
    )
    for (const item of cases) book.views.set(caseKey({ optimizer, environment, ...item }), item)
    options.onChange([...cases])
  }

  const keyIn = (videoidPk: number) => caseKey({ ...options.scope(), videoidPk })

  async function find(videoidPk: number): Promise<{ book: Opened; item: Case }> {
    const book = await open()
    const item = book.views.get(keyIn(videoidPk))
    if (!item) throw new AppError('not_found', 'This case is not in the case book.')
    return { book, item }
  }

  /** The case as the Optimizer's answer leaves it; the note is the officer's and stays. */
  function applied(item: Case, read: CaseRead, at: string): Case {
    if ('gone' in read) return { ...item, gone: true, syncedAt: at }
    const final = isFinalStatus(read.details.status)
    return {
      ...item,
      ...(final ? { finalAt: item.finalAt ?? at } : { finalAt: undefined }),
      status: read.details.status,
      person: personFrom(read.details),
      gone: false,
      sealedUnreadable: false,
      syncedAt: at,
    }
  }

  const fresh = (videoidPk: number, requestPk: number, person: Person = {}): Case => ({
    videoidPk,
    requestPk,
    status: 'UNKNOWN',
    addedAt: now().toISOString(),
    gone: false,
    person,
    note: '',
    sealedUnreadable: false,
  })

  /** Every case of the Optimizer and environment in use, oldest first. */
  async function list(): Promise<Case[]> {
    const book = await open()
    const { optimizer, environment } = options.scope()
    const prefix = `${environment} ${optimizer} `
    const cases: Case[] = []
    for (const [key, item] of book.views) if (key.startsWith(prefix)) cases.push(item)
    return cases.sort(oldestFirst)
  }

  /** Reads one case from the Optimizer now. */
  async function refresh(videoidPk: number): Promise<Case> {
    const { book, item } = await find(videoidPk)
    let read: CaseRead
    try {
      read = { videoidPk, details: await oneshot.getRequest(item.requestPk) }
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'not_found') throw error
      read = { videoidPk, gone: true }
    }
    const updated = applied(item, read, now().toISOString())
    await store(book, [updated])
    return updated
  }

  /** What the new-Video-ID form starts from. */
  async function videoIdDefaults(): Promise<VideoIdDefaults> {
    const [settings, billing] = await Promise.all([oneshot.getSettings(), options.billing()])
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
    has: async (videoidPk: number) => (await open()).views.has(keyIn(videoidPk)),

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
      adopt(result, await keys.read())
      log.warn('case book recovered', { from, keptAside: keptAside.length })
      return { keptAside }
    },

    /** Pasted lines or a CSV: each line is checked on the Optimizer and gets its own result. */
    async addPairs(text: string): Promise<AddCasesResult> {
      const parsed = parsePairs(text)
      if (parsed.kind !== 'lines') return parsed
      const book = await open()
      const seen = new Set<number>()
      const results: PairResult[] = []
      const toCheck: { result: PairResult; item: Case }[] = []
      for (const { line, text: row, pair } of parsed.lines) {
        if (!pair) {
          results.push({ line, text: row, outcome: 'malformed' })
          continue
        }
        const known = seen.has(pair.videoidPk) || book.views.has(keyIn(pair.videoidPk))
        seen.add(pair.videoidPk)
        const result: PairResult = {
          line,
          text: row,
          outcome: known ? 'already_known' : 'added',
          videoidPk: pair.videoidPk,
        }
        results.push(result)
        if (!known) toCheck.push({ result, item: fresh(pair.videoidPk, pair.requestPk) })
      }
      const added: Case[] = []
      const at = now().toISOString()
      await mapLimited(toCheck, ADD_CONCURRENCY, async ({ result, item }) => {
        try {
          const details = await oneshot.getRequest(item.requestPk)
          added.push(applied(item, { videoidPk: item.videoidPk, details }, at))
        } catch (error) {
          if (error instanceof AppError && error.code === 'not_found') {
            result.outcome = 'not_found'
            return
          }
          // The pair cannot be checked now; it is kept, and the next sync reads it.
          result.outcome = 'added_unchecked'
          added.push(item)
        }
      })
      await store(book, added)
      return { kind: 'lines', results }
    },

    videoIdDefaults,

    /** `POST /videoid`, then the new case goes into the book. */
    async create(input: NewVideoId): Promise<{ case: Case; link?: string }> {
      const book = await open()
      const defaults = await videoIdDefaults()
      let billing: BillingCredentials | undefined
      if (!defaults.optimizerHasBilling) {
        billing = await options.billing()
        if (!billing)
          throw new AppError(
            'billing_missing',
            'Neither the Optimizer nor your credentials hold billing credentials.',
          )
      }
      const created = await oneshot.createVideoId(input, {
        environment: options.scope().environment,
        ...(billing ? { billing } : {}),
      })
      const item: Case = {
        ...fresh(created.videoidPk, created.requestPk, {
          email: input.email,
          mobilePhoneNumber: input.mobilePhoneNumber,
          profile: input.profile,
          registrationAuthority: input.registrationAuthority,
        }),
        status: 'VIDEOPENDING',
      }
      await store(book, [item])
      return { case: item, ...(created.link ? { link: created.link } : {}) }
    },

    /** The cases a sync reads: not yet final, not gone, or with data that must be read again. */
    async toSync(): Promise<Case[]> {
      return (await list()).filter(
        (item) => item.sealedUnreadable || (!item.gone && !isFinalStatus(item.status)),
      )
    },

    /** Writes what the Optimizer answered, as one write, and reports the cases that changed. */
    async apply(reads: readonly CaseRead[]): Promise<void> {
      const book = await open()
      const at = now().toISOString()
      const changed: Case[] = []
      for (const read of reads) {
        const item = book.views.get(keyIn(read.videoidPk))
        if (item) changed.push(applied(item, read, at))
      }
      await store(book, changed)
    },

    refresh,

    /** One case of the Optimizer and environment in use; `not_found` if the book does not have it. */
    get: async (videoidPk: number) => (await find(videoidPk)).item,

    async setNote(videoidPk: number, note: string): Promise<Case> {
      const { book, item } = await find(videoidPk)
      const updated = { ...item, note }
      await store(book, [updated])
      return updated
    },

    /** Keeps (or, with undefined, drops) the refusal reason being typed for a case. */
    async setReasonDraft(videoidPk: number, draft: Case['reasonDraft']): Promise<Case> {
      const { book, item } = await find(videoidPk)
      const { reasonDraft: _old, ...rest } = item
      const updated = draft ? { ...rest, reasonDraft: draft } : rest
      await store(book, [updated])
      return updated
    },
  }
}

export type CaseService = ReturnType<typeof createCaseService>
