import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import keytar from '@github/keytar'
import { describe, expect, it } from 'vitest'
import { openCaseBook } from '../../../main/cases/case-book'
import { createKeyStore, seal } from '../../../main/cases/seal'
import { createIpcBinding } from '../../../main/ipc'
import { createLogger } from '../../../main/log'
import type { Keychain } from '../../../main/vault/keychain'
import type { Case, CaseRow } from '../../../shared/cases'
import { SEED_CASES } from '../../simulator/seed'
import { type Simulator, startSimulator } from '../../simulator/server'
import { eachTestWorld, OFFICER, servicesFor } from '../vault/fixtures'

// The case book through the app's own services, against the simulator over real HTTP and the real
// keychain (a private GNOME Keyring under `npm test`), each test on a data folder and service of its own.
const world = eachTestWorld()

const pairsOf = (sim: Simulator) =>
  [...sim.state.cases.values()].map((item) => `${item.videoidPk},${item.requestPk}`)
const byPk = (cases: readonly Case[], videoidPk: number) => cases.find((item) => item.videoidPk === videoidPk)

/**
 * The app's services as the officer finds them at start, the desk open: until the lock's state is read
 * the desk counts as locked, a start locks a desk that holds signers' data (the PIN opens it), and a
 * locked desk holds every push of cases, so a test of what is pushed would see nothing.
 */
async function atStart(...args: Parameters<typeof servicesFor>) {
  const app = servicesFor(...args)
  if ((await app.handlers.getLockState(undefined)).locked) await app.handlers.unlockDesk({ pin: OFFICER.pin })
  expect(await app.handlers.getLockState(undefined)).toMatchObject({ locked: false })
  return app
}
const readsOfRequests = (sim: Simulator) =>
  sim.requests.filter((request) => request.path.includes('/request/')).length

/** The book's cases as the page gets them: the queue's rows, then each case whole as it is opened. */
async function openCases(app: ReturnType<typeof servicesFor>): Promise<Case[]> {
  const book = await app.handlers.getCaseBook(undefined)
  if (book.state !== 'open') throw new Error(`the case book is ${book.state}`)
  return Promise.all(book.rows.map(({ videoidPk }) => app.handlers.getCase({ videoidPk })))
}

describe('case book: ways in', () => {
  it('gives each pasted line its own result', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    const [first, second] = pairsOf(world.simulator)
    const result = await app.handlers.addCases({
      text: `${first}\n\n12x,44\n${first}\n999999,888888\n${second}\n`,
    })
    expect(result).toEqual({
      kind: 'lines',
      results: [
        { line: 1, text: first, outcome: 'added', videoidPk: 16673 },
        { line: 3, text: '12x,44', outcome: 'malformed' },
        { line: 4, text: first, outcome: 'already_known', videoidPk: 16673 },
        { line: 5, text: '999999,888888', outcome: 'not_found', videoidPk: 999999 },
        { line: 6, text: second, outcome: 'added', videoidPk: 16674 },
      ],
    })
    const cases = await openCases(app)
    expect(cases.map((item) => item.videoidPk)).toEqual([16673, 16674])
    // The request's data as the Optimizer holds it (the simulator's first two seeded signers).
    expect(byPk(cases, 16673)).toMatchObject({
      requestPk: 923056,
      status: 'VIDEOREVIEW',
      person: {
        givenName: 'Lucía',
        surname1: 'García',
        serialNumber: '48213957T',
        email: 'lucia.garcia@example.org',
      },
    })
    expect((await app.handlers.addCases({ text: `${second}\n` })).kind).toBe('lines')
  })

  it('reads a CSV with a header in any column order, and refuses one without the two columns', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    const csv = 'request_pk;note;videoid_pk\n"923058";first;"16675"\n923059;second\n'
    expect(await app.handlers.addCases({ text: csv })).toEqual({
      kind: 'lines',
      results: [
        { line: 2, text: '"923058";first;"16675"', outcome: 'added', videoidPk: 16675 },
        { line: 3, text: '923059;second', outcome: 'malformed' },
      ],
    })
    expect(await app.handlers.addCases({ text: 'video,request\n16676,923059\n' })).toEqual({
      kind: 'wrong_columns',
    })
    expect(await app.handlers.addCases({ text: ' \n\n' })).toEqual({ kind: 'empty' })
    expect((await openCases(app)).map((item) => item.videoidPk)).toEqual([16675])
  })

  it('keeps a pair that cannot be checked while the Optimizer is away, for the next sync', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    const [first] = pairsOf(world.simulator)
    await world.simulator.close()
    const result = await app.handlers.addCases({ text: first ?? '' })
    expect(result).toMatchObject({ results: [{ outcome: 'added_unchecked', videoidPk: 16673 }] })
    expect(byPk(await openCases(app), 16673)).toMatchObject({ status: 'UNKNOWN', requestPk: 923056 })
  })

  it('creates a Video ID on the Optimizer and adds its case', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.setUpCredentials(OFFICER)
    const defaults = await app.handlers.getVideoIdDefaults(undefined)
    expect(defaults).toEqual({
      registrationAuthority: '1400',
      profile: 'PFnubeQAFCiudadano',
      optimizerHasBilling: true,
      officerHasBilling: true,
    })
    const created = await app.handlers.createVideoId({
      mobilePhoneNumber: '+34 611 222 333',
      email: 'new.signer@example.org',
      registrationAuthority: '1400',
      profile: 'PFnubeQAFCiudadano',
    })
    const onSimulator = world.simulator.state.cases.get(created.case.videoidPk)
    expect(onSimulator).toMatchObject({ mobilePhoneNumber: '+34611222333', email: 'new.signer@example.org' })
    expect(created.case).toMatchObject({ status: 'VIDEOPENDING', requestPk: onSimulator?.requestPk })
    expect(byPk(await openCases(app), created.case.videoidPk)?.person.email).toBe('new.signer@example.org')
  })

  it('sends the officer’s billing credentials only where the Optimizer has none, and says when neither has', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    const { billingUsername: _u, billingPassword: _p, ...withoutBilling } = OFFICER
    await app.handlers.setUpCredentials(withoutBilling)
    world.simulator.state.billing = undefined
    const input = {
      mobilePhoneNumber: '+34611222333',
      email: 'a@example.org',
      registrationAuthority: '1400',
      profile: 'P',
    }
    await expect(app.handlers.createVideoId(input)).rejects.toMatchObject({ code: 'billing_missing' })
    expect(world.simulator.state.cases.size).toBe(SEED_CASES.length)
    await app.handlers.updateCredentials({
      billingUsername: 'billing@ra.example',
      billingPassword: 'Bill-Pass-9',
    })
    const created = await app.handlers.createVideoId(input)
    expect(world.simulator.state.cases.has(created.case.videoidPk)).toBe(true)
  })
})

describe('case book: checks at the boundary', () => {
  const binding = (app: ReturnType<typeof servicesFor>) =>
    createIpcBinding({
      handlers: app.handlers,
      isTrustedSender: () => true,
      // The input checks, not the lock (its own tests' business): nothing is refused before them.
      refuse: () => undefined,
      log: createLogger(() => undefined),
    })

  it('refuses a phone without its international prefix, an email without @, and a huge paste, changing nothing', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    const ipc = binding(app)
    const base = { email: 'a@example.org', registrationAuthority: '1400', profile: 'P' }
    for (const [input, field] of [
      [{ ...base, mobilePhoneNumber: '600000000' }, 'mobilePhoneNumber'],
      [{ ...base, mobilePhoneNumber: '+34 600000000', email: 'signer.example.org' }, 'email'],
    ] as const) {
      const result = await ipc.dispatch('createVideoId', input, null)
      expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
      expect(!result.ok && result.error.detail).toContain(field)
    }
    const huge = await ipc.dispatch('addCases', { text: '16673,923056\n'.repeat(800_000) }, null)
    expect(huge).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    expect(await ipc.dispatch('refreshCase', { videoidPk: -3 }, null)).toMatchObject({ ok: false })
    expect(world.simulator.state.cases.size).toBe(SEED_CASES.length)
    expect(await openCases(app)).toEqual([])
  })
})

describe('case book: private at rest', () => {
  it('holds no signer’s name, document number, email, phone or note in its file, even decoded', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.addCases({ text: pairsOf(world.simulator).join('\n') })
    await app.handlers.saveCaseNote({ videoidPk: 16673, note: 'Signer called about the blurry document' })
    await app.close()
    // A restart keeps the last good copy too: both files are read.
    await openCases(servicesFor(world.dataDir, world.service, world.simulator.url))
    const stored = ['case-book.jsonl', 'case-book.jsonl.last-good']
      .map((name) => readFileSync(path.join(world.dataDir, name), 'utf8'))
      .join('\n')
    // What an encoding would hide: every base64 run in the file, decoded, is searched too.
    const decoded = (stored.match(/[A-Za-z0-9+/_-]{16,}={0,2}/g) ?? [])
      .flatMap((run) => [
        Buffer.from(run, 'base64').toString('latin1'),
        Buffer.from(run, 'base64url').toString('utf8'),
      ])
      .join('\n')
    for (const text of [stored, decoded]) {
      for (const { person } of SEED_CASES) {
        for (const value of [
          person.given_name,
          person.surname_1,
          person.serial_number,
          person.email,
          person.mobile_phone_number,
        ]) {
          expect(text).not.toContain(value)
          expect(text).not.toContain(JSON.stringify(value).slice(1, -1))
          expect(text.toLowerCase()).not.toContain(value.toLowerCase())
        }
      }
      expect(text).not.toContain('blurry')
    }
    // What rebuilds the book stays readable.
    expect(stored).toContain('"videoidPk":16673')
    expect(stored).toContain('"requestPk":923056')
    expect(stored).toContain('"status":"VIDEOREVIEW"')
    // And the sealed data is really there: reopened with the Optimizer gone, the names come from the book.
    await world.simulator.close()
    const offline = await openCases(servicesFor(world.dataDir, world.service, world.simulator.url))
    expect(byPk(offline, 16673)).toMatchObject({
      sealedUnreadable: false,
      note: 'Signer called about the blurry document',
      person: { givenName: 'Lucía', serialNumber: '48213957T' },
    })
    world.simulator = await startSimulator({ raos: [OFFICER] })
  })

  it('rebuilds the signers’ data from the Optimizer when the key is lost, never from a plaintext copy', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.addCases({ text: pairsOf(world.simulator).slice(0, 3).join('\n') })
    await app.close()
    await keytar.deletePassword(`${world.service}.case-book`, 'case-book-key')

    const restarted = servicesFor(world.dataDir, world.service, world.simulator.url)
    const locked = await openCases(restarted)
    expect(locked.map((item) => [item.videoidPk, item.status, item.sealedUnreadable])).toEqual([
      [16673, 'VIDEOREVIEW', true],
      [16674, 'VIDEOREVIEW', true],
      [16675, 'VIDEOREVIEW', true],
    ])
    expect(locked.every((item) => Object.keys(item.person).length === 0)).toBe(true)
    await restarted.handlers.syncCases(undefined)
    const rebuilt = await openCases(restarted)
    expect(byPk(rebuilt, 16675)).toMatchObject({
      sealedUnreadable: false,
      person: { givenName: 'Ana Isabel' },
    })
    await restarted.close()
  })
})

describe('case book: status sync', () => {
  it('pushes each change, marks a case the Optimizer no longer knows, and leaves final cases alone', async () => {
    const events: unknown[] = []
    const app = servicesFor(
      world.dataDir,
      world.service,
      world.simulator.url,
      (name, payload) => events.push({ name, payload }),
      { gonePolicy: { confirmMs: 200, recheckMs: 60_000 } },
    )
    // Read as the app reads it at start: until then the desk counts as locked, and holds these events.
    await app.handlers.getLockState(undefined)
    await app.handlers.addCases({ text: pairsOf(world.simulator).join('\n') })
    const pending = world.simulator.state.cases.get(16678)
    const vanished = world.simulator.state.cases.get(16679)
    const final = world.simulator.state.cases.get(16682)
    if (!pending || !vanished || !final) throw new Error('the simulator’s seed changed')
    pending.status = 'VIDEOREVIEW'
    world.simulator.state.cases.delete(16679)
    final.status = 'VIDEOREVIEW' // a final case is not read again, whatever happens on the Optimizer
    events.length = 0

    const state = await app.handlers.syncCases(undefined)
    expect(state).toMatchObject({ running: false, online: true, lastSyncedAt: expect.any(String) })
    // One answer marks it missing; the same answer on a later round, some time after, retires it.
    expect(byPk(await openCases(app), 16679)).toMatchObject({ gone: false, missingSince: expect.any(String) })
    await new Promise((resolve) => setTimeout(resolve, 250))
    await app.handlers.syncCases(undefined)
    const cases = await openCases(app)
    expect(byPk(cases, 16678)?.status).toBe('VIDEOREVIEW')
    expect(byPk(cases, 16679)).toMatchObject({ gone: true, status: 'VIDEOPENDING' })
    expect(byPk(cases, 16682)?.status).toBe('ENROLLREADY')
    const pushed = events.filter((event) => (event as { name: string }).name === 'casesChanged')
    const pushedRows = pushed.flatMap((event) => (event as { payload: { rows: CaseRow[] } }).payload.rows)
    expect(pushedRows.find((row) => row.videoidPk === 16678)?.status).toBe('VIDEOREVIEW')
    await app.close()
  })

  it('writes and pushes nothing for a round in which nothing changed, the first after a restart too', async () => {
    const file = path.join(world.dataDir, 'case-book.jsonl')
    const pushes: CaseRow[][] = []
    const onPush = (name: string, payload: unknown) => {
      if (name === 'casesChanged') pushes.push((payload as { rows: CaseRow[] }).rows)
    }
    const first = await atStart(world.dataDir, world.service, world.simulator.url, onPush)
    await first.handlers.setUpCredentials(OFFICER)
    await first.handlers.addCases({ text: pairsOf(world.simulator).join('\n') })
    await first.handlers.syncCases(undefined)
    const idleRound = async (app: typeof first) => {
      const before = readFileSync(file)
      const reads = readsOfRequests(world.simulator)
      pushes.length = 0
      const state = await app.handlers.syncCases(undefined)
      expect(state).toMatchObject({ online: true, lastSyncedAt: expect.any(String) })
      // The seed's nine cases not yet final were read again, and nothing written or pushed.
      expect(readsOfRequests(world.simulator) - reads).toBe(9)
      expect(readFileSync(file).equals(before)).toBe(true)
      expect(pushes).toEqual([])
    }
    await idleRound(first)
    await first.close()

    // Restarted: each signer's data now comes from the sealed copy, as the book's first answer opens it.
    const restarted = await atStart(world.dataDir, world.service, world.simulator.url, onPush)
    const book = await restarted.handlers.getCaseBook(undefined)
    expect(book.state === 'open' && book.rows.every((row) => row.person?.givenName)).toBe(true)
    await idleRound(restarted)

    // What does change is still written and pushed: one case, one row.
    const lucia = world.simulator.state.cases.get(16673)
    if (!lucia) throw new Error('the simulator’s seed changed')
    lucia.status = 'ENROLLREADY'
    const size = readFileSync(file).length
    await restarted.handlers.syncCases(undefined)
    expect(readFileSync(file).length).toBeGreaterThan(size)
    expect(pushes.flat().map((row) => [row.videoidPk, row.status])).toEqual([[16673, 'ENROLLREADY']])
    await restarted.close()
  })

  it('keeps every answer of a long round, those that arrive while earlier ones are being written too', async () => {
    const created = Array.from({ length: 64 }, (_, index) =>
      world.simulator.state.addCase({
        mode: 'one-step',
        email: `signer.${index}@example.org`,
        mobilePhoneNumber: '+34 600 000 000',
        registrationAuthority: '1400',
        profile: 'PFnubeQAFCiudadano',
      }),
    )
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.addCases({
      text: created.map((item) => `${item.videoidPk},${item.requestPk}`).join('\n'),
    })
    for (const item of created) item.status = 'VIDEOREVIEW'
    // Slow answers: the round lasts several of its 300 ms writes, with reads under way at each.
    world.simulator.inject({ route: 'GET /request/*', fault: { kind: 'latency', ms: 100 }, times: 1_000 })
    await app.handlers.syncCases(undefined)
    const statuses = (await openCases(app)).filter((item) =>
      created.some((one) => one.videoidPk === item.videoidPk),
    )
    expect(statuses.filter((item) => item.status !== 'VIDEOREVIEW').map((item) => item.videoidPk)).toEqual([])
    expect(statuses).toHaveLength(64)
    await app.close()
  })

  it('says offline when the Optimizer is away, keeps every case, and comes back online', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.addCases({ text: pairsOf(world.simulator).join('\n') })
    const url = world.simulator.url
    await world.simulator.close()
    const offline = await app.handlers.syncCases(undefined)
    expect(offline).toMatchObject({ online: false, problem: { code: 'unreachable' } })
    expect(await openCases(app)).toHaveLength(SEED_CASES.length)

    world.simulator = await startSimulator({ raos: [OFFICER], port: Number(new URL(url).port) })
    const back = await app.handlers.syncCases(undefined)
    expect(back.online).toBe(true)
    expect(back.problem).toBeUndefined()
    await app.close()
  })

  it('does not mark cases gone when the address answers 404 for everything', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.addCases({ text: pairsOf(world.simulator).join('\n') })
    // What a mistaken address (a path without the API) looks like: 404 for every call.
    world.simulator.inject({ route: 'GET /request/*', fault: { kind: 'status', status: 404 }, times: 100 })
    world.simulator.inject({ route: 'GET /hello', fault: { kind: 'status', status: 404 }, times: 100 })
    const state = await app.handlers.syncCases(undefined)
    expect(state.problem?.code).toBe('unexpected_answer')
    expect((await openCases(app)).some((item) => item.gone)).toBe(false)
    await app.close()
  })
})

describe('case book: one policy for a request the Optimizer no longer knows', () => {
  const QUICK = { confirmMs: 200, recheckMs: 200 }
  const pendingCase = { videoidPk: 16673, requestPk: 923056 } // Lucía, VIDEOREVIEW
  const later = () => new Promise((resolve) => setTimeout(resolve, 250))

  it('never retires a case on one 404, from a sync or a case read again, and brings a gone one back', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url, undefined, {
      gonePolicy: QUICK,
    })
    await app.handlers.addCases({ text: `${pendingCase.videoidPk},${pendingCase.requestPk}` })
    const lucia = world.simulator.state.cases.get(pendingCase.videoidPk)
    if (!lucia) throw new Error('the simulator’s seed changed')
    world.simulator.state.cases.delete(pendingCase.videoidPk)
    // Read again by the officer: the Optimizer's own 404, the case kept in the queue and marked.
    await expect(Promise.resolve(app.handlers.refreshCase(pendingCase))).rejects.toMatchObject({
      code: 'not_found',
    })
    expect(byPk(await openCases(app), pendingCase.videoidPk)).toMatchObject({
      gone: false,
      status: 'VIDEOREVIEW',
    })
    // Seen again by a sync round some time after: now gone.
    await later()
    await app.handlers.syncCases(undefined)
    expect(byPk(await openCases(app), pendingCase.videoidPk)).toMatchObject({ gone: true })
    // The request reappears: the slow re-read of gone cases brings the case back.
    world.simulator.state.cases.set(lucia.videoidPk, lucia)
    await later()
    await app.handlers.syncCases(undefined)
    expect(byPk(await openCases(app), pendingCase.videoidPk)).toMatchObject({
      gone: false,
      status: 'VIDEOREVIEW',
    })
    await app.close()
  })

  it('believes no 404 from an address whose /hello does not answer, whoever reads', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url, undefined, {
      gonePolicy: QUICK,
    })
    await app.handlers.addCases({ text: `${pendingCase.videoidPk},${pendingCase.requestPk}` })
    world.simulator.inject({ route: 'GET /request/*', fault: { kind: 'status', status: 404 }, times: 100 })
    world.simulator.inject({ route: 'GET /hello', fault: { kind: 'status', status: 404 }, times: 100 })
    for (let round = 0; round < 3; round++) {
      await expect(Promise.resolve(app.handlers.refreshCase(pendingCase))).rejects.toMatchObject({
        code: 'unexpected_answer',
      })
      await app.handlers.syncCases(undefined)
      await later()
    }
    const [lucia] = await openCases(app)
    expect(lucia).toMatchObject({ gone: false, status: 'VIDEOREVIEW' })
    expect(lucia?.missingSince).toBeUndefined()
    await app.close()
  })

  it('keeps a case through one round of 404s from a proxy that lets /hello through', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url, undefined, {
      gonePolicy: QUICK,
    })
    await app.handlers.addCases({ text: `${pendingCase.videoidPk},${pendingCase.requestPk}` })
    world.simulator.inject({ route: 'GET /request/*', fault: { kind: 'status', status: 404 }, times: 1 })
    await app.handlers.syncCases(undefined)
    expect((await openCases(app))[0]).toMatchObject({ gone: false, missingSince: expect.any(String) })
    await later()
    await app.handlers.syncCases(undefined)
    const [lucia] = await openCases(app)
    expect(lucia).toMatchObject({ gone: false, status: 'VIDEOREVIEW' })
    expect(lucia?.missingSince).toBeUndefined()
    await app.close()
  })
})

describe('case book: what an operation began, it finishes where it began', () => {
  const NEW_VIDEO_ID = {
    mobilePhoneNumber: '+34611222333',
    email: 'new.signer@example.org',
    registrationAuthority: '1400',
    profile: 'P',
  }

  it('keeps a created Video ID when the book cannot be written: its pks in the error, in the journal, and back at the next start’s first sync', async () => {
    let locked = false
    const lockedBookKey: Keychain = {
      getPassword: (service, account) =>
        locked && account === 'case-book-key'
          ? Promise.reject(new Error('Cannot get secret of a locked object'))
          : keytar.getPassword(service, account),
      setPassword: (service, account, value) =>
        locked && account === 'case-book-key'
          ? Promise.reject(new Error('Cannot create an item in a locked collection'))
          : keytar.setPassword(service, account, value),
      deletePassword: (service, account) => keytar.deletePassword(service, account),
    }
    const app = servicesFor(world.dataDir, world.service, world.simulator.url, undefined, {
      keychain: lockedBookKey,
    })
    await app.handlers.setUpCredentials(OFFICER)
    await openCases(app)
    locked = true
    const failure = await Promise.resolve(app.handlers.createVideoId(NEW_VIDEO_ID)).catch((error) => error)
    const created = [...world.simulator.state.cases.values()].at(-1)
    if (!created || created.email !== NEW_VIDEO_ID.email) throw new Error('the Optimizer created nothing')
    expect(failure).toMatchObject({
      code: 'created_not_saved',
      detail: expect.stringContaining(`videoid_pk ${created.videoidPk}, request_pk ${created.requestPk}`),
    })
    const creations = (await app.handlers.getJournal(undefined)).entries.filter(
      (entry) => entry.type === 'creation',
    )
    expect(creations).toMatchObject([
      { phase: 'intended' },
      { phase: 'created', videoidPk: created.videoidPk, requestPk: created.requestPk },
    ])
    await app.close()

    // Restarted: the book's first answer does not read the journal for it (a journal of years is read
    // whole); the first sync round puts the case back, and reads it.
    locked = false
    const pushed: CaseRow[] = []
    const onPush = (name: string, payload: unknown) => {
      if (name === 'casesChanged') pushed.push(...(payload as { rows: CaseRow[] }).rows)
    }
    const restarted = await atStart(world.dataDir, world.service, world.simulator.url, onPush)
    expect(await restarted.handlers.getCaseBook(undefined)).toMatchObject({ state: 'open', rows: [] })
    await restarted.handlers.syncCases(undefined)
    expect(pushed.filter((row) => row.videoidPk === created.videoidPk).at(-1)).toMatchObject({
      requestPk: created.requestPk,
      pairVerified: true,
      status: 'VIDEOPENDING',
    })
    expect(byPk(await openCases(restarted), created.videoidPk)).toMatchObject({
      requestPk: created.requestPk,
      pairVerified: true,
      status: 'VIDEOPENDING',
    })
    await restarted.close()
  })

  it('files pasted pairs under the Optimizer and environment in use when they were pasted', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    world.simulator.inject({ route: 'GET /request/*', fault: { kind: 'latency', ms: 150 }, times: 11 })
    const adding = app.handlers.addCases({ text: pairsOf(world.simulator).join('\n') })
    await new Promise((resolve) => setTimeout(resolve, 100))
    await app.handlers.saveSettings({ environment: 'prod' }) // switched halfway
    await adding
    expect(await openCases(app)).toEqual([])
    await app.handlers.saveSettings({ environment: 'sandbox' })
    expect(await openCases(app)).toHaveLength(SEED_CASES.length)
    await app.close()
  })

  it('pushes no case of another scope to the page once the settings moved on', async () => {
    const pushes: CaseRow[][] = []
    const app = await atStart(world.dataDir, world.service, world.simulator.url, (name, payload) => {
      if (name === 'casesChanged') pushes.push((payload as { rows: CaseRow[] }).rows)
    })
    const pairs = pairsOf(world.simulator)
    await app.handlers.addCases({ text: pairs.slice(0, 4).join('\n') })
    expect(pushes.flat().length).toBe(4)
    for (const item of world.simulator.state.cases.values())
      if (item.status === 'VIDEOREVIEW') item.status = 'VIDEOINCOMPLETE'
    world.simulator.inject({ route: 'GET /request/*', fault: { kind: 'latency', ms: 200 }, times: 30 })
    // A sync round and an addition of pairs, both under way when the environment changes: each keeps
    // the scope it began with, and the page, on the other environment now, hears of neither.
    const round = app.handlers.syncCases(undefined)
    const adding = app.handlers.addCases({ text: pairs.slice(4).join('\n') })
    await new Promise((resolve) => setTimeout(resolve, 50))
    await app.handlers.saveSettings({ environment: 'prod' })
    pushes.length = 0
    await Promise.all([round, adding])
    expect(pushes).toEqual([])
    // The pairs pasted went where they were pasted.
    await app.handlers.saveSettings({ environment: 'sandbox' })
    expect(await openCases(app)).toHaveLength(SEED_CASES.length)
    await app.close()
  })
})

describe('case book: a sync round whose scope changed', () => {
  it('writes nothing it read once the settings moved on: the round is dropped, and a round of that scope reads again', async () => {
    const app = await atStart(world.dataDir, world.service, world.simulator.url)
    await app.handlers.addCases({ text: pairsOf(world.simulator).join('\n') })
    const sandbox = { optimizer: world.simulator.url, environment: 'sandbox' } as const
    const inReview = async () =>
      (await app.cases.list(sandbox))
        .filter((item) => item.status === 'VIDEOREVIEW')
        .map((item) => item.videoidPk)
    expect(await inReview()).toEqual([16673, 16674, 16675, 16676])
    // On the Optimizer they moved on; the round reads them slowly, and the environment changes meanwhile.
    for (const item of world.simulator.state.cases.values())
      if (item.status === 'VIDEOREVIEW') item.status = 'VIDEOINCOMPLETE'
    world.simulator.inject({ route: 'GET /request/*', fault: { kind: 'latency', ms: 300 }, times: 9 })
    const bookFile = path.join(world.dataDir, 'case-book.jsonl')
    const bookBytes = statSync(bookFile).size
    const reads = readsOfRequests(world.simulator)
    const round = app.handlers.syncCases(undefined)
    await expect.poll(() => readsOfRequests(world.simulator)).toBeGreaterThan(reads)
    await app.handlers.saveSettings({ environment: 'prod' })
    await round
    // Its answers came, after the change: none of them is written, under any scope.
    expect(readsOfRequests(world.simulator)).toBe(reads + 9)
    await app.handlers.syncCases(undefined) // the fresh round, of production, which has no cases here
    expect(statSync(bookFile).size).toBe(bookBytes)
    expect(await inReview()).toEqual([16673, 16674, 16675, 16676])
    // Back on sandbox, a round of its own reads them again.
    await app.handlers.saveSettings({ environment: 'sandbox' })
    await app.handlers.syncCases(undefined)
    await expect.poll(inReview).toEqual([])
    await app.close()
  })
})

describe('case book: the start', () => {
  it('reads nothing of the journal until a moment after the window has its first answer', async () => {
    const before = servicesFor(world.dataDir, world.service, world.simulator.url)
    await before.handlers.addCases({ text: pairsOf(world.simulator).join('\n') })
    await before.close()
    // The journal is read whole, then checked with its key: the key asked for says it is being read.
    const asked: string[] = []
    const watched: Keychain = {
      getPassword: (service, account) => {
        asked.push(account)
        return keytar.getPassword(service, account)
      },
      setPassword: (service, account, value) => keytar.setPassword(service, account, value),
      deletePassword: (service, account) => keytar.deletePassword(service, account),
    }
    const app = servicesFor(world.dataDir, world.service, world.simulator.url, undefined, {
      keychain: watched,
    })
    app.start()
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(asked).not.toContain('journal-key')
    // The page's first questions: the lock's state (a start locks a desk holding cases), then the book.
    expect(await app.handlers.getLockState(undefined)).toMatchObject({ locked: true })
    expect(await app.handlers.getCaseBook(undefined)).toMatchObject({ state: 'open' })
    expect(asked).not.toContain('journal-key')
    // A moment after: the start's lock journaled, the first sync round, the settling of lost answers.
    await expect.poll(() => asked.includes('journal-key'), { timeout: 5000 }).toBe(true)
    await app.close()
  })
})

describe('case book: checks a pair must pass', () => {
  it('refuses a pair whose check names someone else, and a second pair for a request already taken', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    const result = await app.handlers.addCases({
      text: [
        '16673,923056,lucia.garcia@example.org',
        '16674,923057,lucia.garcia@example.org',
        '16676,923056,lucia.garcia@example.org',
        '16675,923058,51720463-H',
      ].join('\n'),
    })
    expect(result.kind === 'lines' && result.results.map((line) => line.outcome)).toEqual([
      'added',
      'check_mismatch',
      'request_taken',
      'added',
    ])
    expect((await openCases(app)).map((item) => [item.videoidPk, item.pairVerified])).toEqual([
      [16673, true],
      [16675, true],
    ])
    // Taken by a case already in the book, too.
    const again = await app.handlers.addCases({ text: '16679,923058' })
    expect(again.kind === 'lines' && again.results[0]?.outcome).toBe('request_taken')
  })

  it('makes the book’s key once when two first writes come at once, so nothing is sealed under a lost key', async () => {
    for (let round = 0; round < 4; round++) {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'rao-first-writes-'))
      const app = servicesFor(dataDir, world.service, world.simulator.url)
      const [first, second] = pairsOf(world.simulator)
      await Promise.all([
        app.handlers.addCases({ text: first ?? '' }),
        app.handlers.addCases({ text: second ?? '' }),
      ])
      await app.close()
      // Reopened, before any read of the Optimizer: data sealed under a lost second key would not open.
      const restarted = servicesFor(dataDir, world.service, world.simulator.url)
      const cases = await openCases(restarted)
      expect(cases.map((item) => [item.sealedUnreadable, item.person.givenName !== undefined])).toEqual([
        [false, true],
        [false, true],
      ])
      await keytar.deletePassword(`${world.service}.case-book`, 'case-book-key')
    }
  })
})

describe('case book: the queue’s rows', () => {
  /** Cases on the simulator beyond its seed, waiting for review, each with a name of its own. */
  function manyInReview(count: number): string[] {
    return Array.from({ length: count }, (_, index) => {
      const created = world.simulator.state.addCase({
        mode: 'one-step',
        email: `signer.${index}@example.org`,
        mobilePhoneNumber: '+34 600 000 000',
        registrationAuthority: '1400',
        profile: 'PFnubeQAFCiudadano',
      })
      created.status = 'VIDEOREVIEW'
      created.person = { ...created.person, given_name: `Signer ${index}`, serial_number: `${index}X` }
      return `${created.videoidPk},${created.requestPk}`
    })
  }

  it('answers the queue’s first rows whole at once, and pushes the rest, numbered after the answer, as it unseals them', async () => {
    const adding = servicesFor(world.dataDir, world.service, world.simulator.url)
    await adding.handlers.setUpCredentials(OFFICER)
    await adding.handlers.addCases({ text: [...pairsOf(world.simulator), ...manyInReview(150)].join('\n') })
    await adding.close()
    // A restart: nothing of the book is in memory, and nothing is unsealed until something asks. It starts
    // locked, and the pushes wait for the PIN (`atStart` enters it).
    const pushed: { change: number; rows: CaseRow[] }[] = []
    const app = await atStart(world.dataDir, world.service, world.simulator.url, (name, payload) => {
      if (name === 'casesChanged') pushed.push(payload as (typeof pushed)[number])
    })
    const book = await app.handlers.getCaseBook(undefined)
    if (book.state !== 'open') throw new Error(`the case book is ${book.state}`)
    const total = SEED_CASES.length + 150
    expect(book.rows).toHaveLength(total)
    const whole = book.rows.filter((row) => row.person !== undefined)
    // A hundred, the queue's first: the oldest cases waiting for review (the seed's own come first).
    expect(whole).toHaveLength(100)
    expect(whole.every((row) => row.status === 'VIDEOREVIEW')).toBe(true)
    const firstAdded = book.rows.filter((row) => row.status === 'VIDEOREVIEW').slice(0, 100)
    expect(whole.map((row) => row.videoidPk)).toEqual(firstAdded.map((row) => row.videoidPk))
    await expect
      .poll(() => new Set(pushed.flatMap((push) => push.rows.map((row) => row.videoidPk))).size)
      .toBe(total - 100)
    expect(pushed.every((push) => push.change > book.changes)).toBe(true)
    expect(pushed.map((push) => push.change)).toEqual(
      [...pushed.map((push) => push.change)].sort((a, b) => a - b),
    )
    const unsealed = pushed.flatMap((push) => push.rows)
    expect(unsealed.every((row) => row.person !== undefined)).toBe(true)
    expect(unsealed.find((row) => row.person?.givenName === 'Signer 149')).toMatchObject({
      status: 'VIDEOREVIEW',
      person: { serialNumber: '149X', email: 'signer.149@example.org' },
    })
    // The row holds what a row shows and search needs; the case, opened, holds the rest.
    const opened = await app.handlers.getCase({ videoidPk: whole[0]?.videoidPk ?? 0 })
    expect(opened).toMatchObject({ note: '', person: { profile: expect.any(String) } })
    expect(whole[0]).not.toHaveProperty('note')
    expect(whole[0]?.person).not.toHaveProperty('profile')
    await app.close()
  })

  /**
   * A desk with `count` cases waiting for review, on the simulator and in a book on disk as the app
   * writes it (each signer sealed under the book's key in the keychain, as the Optimizer answers for
   * it), a minute apart, oldest first; the app's settings saved by a first run, whose round is over.
   */
  async function deskInReview(count: number) {
    const firstRun = servicesFor(world.dataDir, world.service, world.simulator.url)
    await firstRun.handlers.setUpCredentials(OFFICER)
    await firstRun.handlers.syncCases(undefined)
    await firstRun.close()
    const key = await createKeyStore(keytar, `${world.service}.case-book`).readOrCreate()
    const opened = openCaseBook(path.join(world.dataDir, 'case-book.jsonl'))
    if (opened.state !== 'open') throw new Error('the new book did not open')
    const since = Date.parse('2026-11-30T08:00:00.000Z')
    const entries = Array.from({ length: count }, (_, index) => {
      const created = world.simulator.state.addCase({
        mode: 'one-step',
        email: `signer.${index}@example.org`,
        mobilePhoneNumber: '+34600000000',
        registrationAuthority: '1400',
        profile: 'PFnubeQAFCiudadano',
      })
      created.status = 'VIDEOREVIEW'
      created.person = { ...created.person, given_name: `Signer ${index}` }
      const person = {
        registrationAuthority: '1400',
        profile: 'PFnubeQAFCiudadano',
        email: created.email,
        mobilePhoneNumber: '+34600000000',
        givenName: `Signer ${index}`,
      }
      const at = new Date(since + index * 60_000).toISOString()
      return {
        optimizer: world.simulator.url,
        environment: 'sandbox' as const,
        videoidPk: created.videoidPk,
        requestPk: created.requestPk,
        status: 'VIDEOREVIEW',
        addedAt: at,
        statusSince: at,
        gone: false,
        verified: true,
        sealed: seal(key, { person, note: '' }),
      }
    })
    opened.book.put(entries)
    return entries.map(({ videoidPk, requestPk }) => ({ videoidPk, requestPk }))
  }

  /** The app restarted on the desk, and the rows it pushes. */
  async function restartOnDesk() {
    const pushed: { change: number; rows: CaseRow[] }[] = []
    const app = await atStart(world.dataDir, world.service, world.simulator.url, (name, payload) => {
      if (name === 'casesChanged') pushed.push(payload as (typeof pushed)[number])
    })
    return { app, pushed }
  }

  /** The page's rows: the book's answer, then the pushes numbered after it, in order. */
  function pageRows(
    answer: { rows: CaseRow[]; changes: number },
    pushed: readonly { change: number; rows: CaseRow[] }[],
  ) {
    const rows = new Map(answer.rows.map((row) => [row.videoidPk, row]))
    for (const push of [...pushed].sort((a, b) => a.change - b.change))
      if (push.change > answer.changes) for (const row of push.rows) rows.set(row.videoidPk, row)
    return rows
  }
  const whole = (rows: Iterable<CaseRow>) => [...rows].filter((row) => row.person !== undefined).length

  it('never pushes a row it unsealed after the newer row of a case read again meanwhile', async () => {
    const desk = await deskInReview(6000)
    const { app, pushed } = await restartOnDesk()
    const book = await app.handlers.getCaseBook(undefined)
    if (book.state !== 'open') throw new Error(`the case book is ${book.state}`)
    // The first case the background pass unseals (the queue's 101st) is cancelled on the Optimizer and
    // read again by the officer; the answer comes while the pass holds the case for its next push.
    const target = desk[100]
    const onSimulator = world.simulator.state.cases.get(target?.videoidPk ?? 0)
    if (!target || !onSimulator) throw new Error('no case to read again')
    expect(book.rows.find((row) => row.videoidPk === target.videoidPk)?.person).toBeUndefined()
    onSimulator.status = 'CANCELLED'
    world.simulator.inject({ route: 'GET /request/*', fault: { kind: 'latency', ms: 350 }, times: 1 })
    expect((await app.handlers.refreshCase(target)).status).toBe('CANCELLED')
    await expect.poll(() => whole(pageRows(book, pushed).values()), { timeout: 15_000 }).toBe(6000)
    expect(pageRows(book, pushed).get(target.videoidPk)).toMatchObject({
      status: 'CANCELLED',
      person: { givenName: 'Signer 100' },
    })
    await app.close()
  })

  it('pushes every signer, those opened meanwhile by a case shown or a sync round too', async () => {
    const desk = await deskInReview(1000)
    const { app, pushed } = await restartOnDesk()
    const book = await app.handlers.getCaseBook(undefined)
    if (book.state !== 'open') throw new Error(`the case book is ${book.state}`)
    expect(whole(book.rows)).toBe(100)
    // Before the pass begins: the officer opens a case the answer listed without its signer, and a
    // round reads every case and finds nothing changed.
    const shown = desk[500]
    if (!shown) throw new Error('no case to open')
    expect((await app.handlers.getCase(shown)).person.givenName).toBe('Signer 500')
    await app.handlers.syncCases(undefined)
    await expect.poll(() => whole(pageRows(book, pushed).values()), { timeout: 10_000 }).toBe(1000)
    expect(pageRows(book, pushed).get(shown.videoidPk)?.person?.givenName).toBe('Signer 500')
    await app.close()
  })

  it('stops unsealing a scope the settings left, and unseals the rest when they come back', async () => {
    await deskInReview(300)
    const { app, pushed } = await restartOnDesk()
    const first = await app.handlers.getCaseBook(undefined)
    expect(first.state === 'open' && whole(first.rows)).toBe(100)
    // Another environment before the pass begins (a quarter of a second after the answer), then back.
    await app.handlers.saveSettings({ environment: 'prod' })
    await new Promise((resolve) => setTimeout(resolve, 600))
    await app.handlers.saveSettings({ environment: 'sandbox' })
    const again = await app.handlers.getCaseBook(undefined)
    if (again.state !== 'open') throw new Error(`the case book is ${again.state}`)
    // None of this scope's signers was opened while another was in use.
    expect(whole(again.rows)).toBe(100)
    expect(pushed).toEqual([])
    await expect.poll(() => whole(pageRows(again, pushed).values()), { timeout: 10_000 }).toBe(300)
    await app.close()
  })

  it('shows how far an addition is, and a stop keeps what was checked and reads no more', async () => {
    const events: { name: string; payload: unknown }[] = []
    const app = servicesFor(world.dataDir, world.service, world.simulator.url, (name, payload) =>
      events.push({ name, payload }),
    )
    const pairs = manyInReview(64)
    world.simulator.inject({
      route: 'GET /request/*',
      fault: { kind: 'latency', ms: 150 },
      times: Number.POSITIVE_INFINITY,
    })
    const adding = app.handlers.addCases({ text: pairs.join('\n') })
    const progress = () =>
      events
        .filter((event) => event.name === 'addCasesProgress')
        .map((event) => event.payload as { checked: number; total: number })
    await expect.poll(() => progress().at(-1)?.checked ?? 0).toBeGreaterThan(0)
    expect(await app.handlers.cancelAddCases(undefined)).toEqual({ cancelled: true })
    const result = await adding
    if (result.kind !== 'lines') throw new Error(result.kind)
    const added = result.results.filter((line) => line.outcome === 'added')
    const cancelled = result.results.filter((line) => line.outcome === 'cancelled')
    expect(added.length).toBeGreaterThan(0)
    expect(cancelled.length).toBeGreaterThan(0)
    expect(added.length + cancelled.length).toBe(64)
    expect(progress().every((step) => step.total === 64)).toBe(true)
    expect(progress().at(-1)?.checked).toBe(added.length)
    // Only the pairs checked before the stop reached the Optimizer, and each of them is in the book.
    const reads = world.simulator.requests.filter((request) => request.path.includes('/request/')).length
    expect(reads).toBe(added.length)
    const book = await app.handlers.getCaseBook(undefined)
    expect(book.state === 'open' && book.rows.map((row) => row.videoidPk).sort()).toEqual(
      added.map((line) => line.videoidPk).sort(),
    )
    expect(await app.handlers.cancelAddCases(undefined)).toEqual({ cancelled: false })
    await app.close()
  })
})
