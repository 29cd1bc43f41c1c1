import { createHash, createHmac, randomBytes } from 'node:crypto'
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import keytar from '@github/keytar'
import { afterEach, describe, expect, it } from 'vitest'
import { createKeyStore } from '../../../main/cases/seal'
import {
  createHeadStore,
  type JournalRecord,
  journalAuditRecord,
  journalCsv,
  openJournal,
} from '../../../main/decisions/journal'
import { fsCalls } from '../../../main/fs/durable'
import { createLogger } from '../../../main/log'
import type { Keychain } from '../../../main/vault/keychain'
import { testService } from '../vault/fixtures'

// The journal against the real keychain (the suite's private GNOME Keyring): its key and head live there.
const services: string[] = []
afterEach(async () => {
  for (const service of services.splice(0))
    for (const account of ['journal-key', 'journal-head']) await keytar.deletePassword(service, account)
})

const newFile = () => path.join(mkdtempSync(path.join(tmpdir(), 'rao-journal-')), 'decision-journal.jsonl')
const refusal = (videoidPk: number, reason = 'The document has expired'): JournalRecord => ({
  type: 'decision',
  officer: '9001800',
  videoidPk,
  requestPk: videoidPk + 906_383,
  action: 'refuse',
  phase: 'intended',
  reason,
})

function world(keychain: Keychain = keytar) {
  const service = `${testService()}.journal`
  services.push(service)
  const file = newFile()
  const open = (now?: () => Date) =>
    openJournal({
      file,
      keys: createKeyStore(keychain, service, 'journal-key'),
      head: createHeadStore(keychain, service),
      log: createLogger(() => undefined),
      ...(now ? { now } : {}),
    })
  return { service, file, open }
}

async function opened(open: () => ReturnType<ReturnType<typeof world>['open']>) {
  const journal = open()
  await journal.load()
  return journal
}

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
const write = (file: string, raws: readonly Record<string, unknown>[]) =>
  writeFileSync(file, raws.map((raw) => `${JSON.stringify(raw)}\n`).join(''))

describe('decision journal: a keyed chain', () => {
  it('chains every entry with an HMAC and keeps the head in the keychain', async () => {
    const { file, open, service } = world()
    const journal = await opened(open)
    for (const pk of [16673, 16674, 16675]) await journal.append(refusal(pk))
    const raws = lines(file)
    expect(raws.map((raw) => raw.seq)).toEqual([1, 2, 3])
    expect(raws.every((raw) => /^[0-9a-f]{64}$/.test(String(raw.mac)))).toBe(true)
    expect(raws[1]?.prev).toBe(raws[0]?.mac)
    expect(JSON.parse((await keytar.getPassword(service, 'journal-head')) ?? '{}')).toEqual({
      seq: 3,
      mac: raws[2]?.mac,
    })
    // The MAC is keyed: the plain SHA-256 of the entry is not it.
    const { mac, ...body } = raws[0] as Record<string, unknown>
    expect(mac).not.toBe(createHash('sha256').update(JSON.stringify(body)).digest('hex'))
    expect((await opened(open)).integrity()).toEqual({ state: 'verified' })
  })

  it('finds entries edited by someone who recomputed every MAC without the key', async () => {
    const { file, open } = world()
    const journal = await opened(open)
    for (const pk of [16673, 16674, 16675, 16676]) await journal.append(refusal(pk))
    // An attacker's forgery: the officer and the reason of entry 2 changed, then the whole chain redone.
    const guess = randomBytes(32)
    let previous = '0'.repeat(64)
    const forged = lines(file).map((raw) => {
      const { mac: _mac, ...body } = raw
      const edited =
        raw.seq === 2
          ? { ...body, officer: '9009999', reason: 'Suspected fraud', prev: previous }
          : { ...body, prev: previous }
      const mac = createHmac('sha256', guess).update(JSON.stringify(edited)).digest('hex')
      previous = mac
      return { ...edited, mac }
    })
    write(file, forged)
    const reopened = await opened(open)
    expect(reopened.integrity()).toMatchObject({
      state: 'problems',
      problems: expect.arrayContaining([{ kind: 'entry_changed', seq: 1 }]),
    })
    // The app keeps working, and the problem is written into the journal itself.
    const last = reopened.entries().at(-1)
    expect(last).toMatchObject({ type: 'chain', event: 'problems_found' })
    await reopened.append(refusal(16677))
  })

  it('finds a journal whose last entries were cut off', async () => {
    const { file, open } = world()
    const journal = await opened(open)
    for (const pk of [16673, 16674, 16675, 16676]) await journal.append(refusal(pk))
    write(file, lines(file).slice(0, 2))
    expect((await opened(open)).integrity()).toEqual({
      state: 'problems',
      problems: [{ kind: 'cut_off', lastSeq: 2, headSeq: 4 }],
    })
  })

  it('finds an older copy put back in place of the journal', async () => {
    const { file, open } = world()
    const journal = await opened(open)
    await journal.append(refusal(16673))
    await journal.append(refusal(16674))
    const older = `${file}.backup`
    copyFileSync(file, older)
    await journal.append(refusal(16675))
    await journal.append(refusal(16676))
    copyFileSync(older, file)
    expect((await opened(open)).integrity()).toEqual({
      state: 'problems',
      problems: [{ kind: 'cut_off', lastSeq: 2, headSeq: 4 }],
    })
  })

  it('finds a journal replaced by another of the same length', async () => {
    const first = world()
    const second = world()
    const journal = await opened(first.open)
    const other = await opened(second.open)
    for (const pk of [16673, 16674]) {
      await journal.append(refusal(pk))
      await other.append(refusal(pk, 'Suspected fraud'))
    }
    copyFileSync(second.file, first.file)
    expect((await opened(first.open)).integrity()).toMatchObject({
      state: 'problems',
      problems: expect.arrayContaining([{ kind: 'replaced', seq: 2 }]),
    })
  })

  it('carries a plain SHA-256 journal over: its chain checked first, then continued keyed', async () => {
    const { file, open } = world()
    // Written as the app wrote it before the chain was keyed.
    let previous = '0'.repeat(64)
    const legacy = [16673, 16674].map((videoidPk, index) => {
      const body = {
        seq: index + 1,
        time: '2026-11-20T10:00:00.000Z',
        officer: '9001800',
        videoidPk,
        requestPk: videoidPk + 906_383,
        action: 'approve',
        phase: index ? 'done' : 'intended',
        prevHash: previous,
      }
      const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex')
      previous = hash
      return { ...body, hash }
    })
    write(file, legacy)
    const journal = await opened(open)
    expect(journal.integrity()).toEqual({ state: 'verified' })
    expect(journal.entries().map((entry) => [entry.seq, entry.type])).toEqual([
      [1, 'decision'],
      [2, 'decision'],
      [3, 'chain'],
    ])
    expect(lines(file)[2]).toMatchObject({ event: 'keyed', prev: legacy[1]?.hash })
    await journal.append(refusal(16675))
    expect((await opened(open)).integrity()).toEqual({ state: 'verified' })

    // A carried-over entry edited afterwards, its plain hashes recomputed: the keyed entry after it says so.
    const raws = lines(file)
    const edited: Record<string, unknown> = { ...raws[0], officer: '9009999' }
    const { hash: _old, ...body } = edited
    const rehashed = { ...body, hash: createHash('sha256').update(JSON.stringify(body)).digest('hex') }
    const secondEdited: Record<string, unknown> = { ...raws[1], prevHash: rehashed.hash }
    const { hash: _second, ...secondBody } = secondEdited
    const second = {
      ...secondBody,
      hash: createHash('sha256').update(JSON.stringify(secondBody)).digest('hex'),
    }
    write(file, [rehashed, second, ...raws.slice(2)])
    expect((await opened(open)).integrity()).toMatchObject({
      state: 'problems',
      problems: [{ kind: 'entry_out_of_place', seq: 3 }],
    })
  })

  it('drops a last line cut short by a crash; the entries kept still verify, and appends go on', async () => {
    const { file, open } = world()
    const journal = await opened(open)
    await journal.append(refusal(16673))
    await journal.append(refusal(16674))
    appendFileSync(file, '{"seq":3,"time":"2026-11-29T10:00:00.000Z","officer":"90018')
    const reopened = await opened(open)
    expect(reopened.integrity()).toEqual({ state: 'verified' })
    expect(reopened.entries()).toHaveLength(2)
    await reopened.append(refusal(16675))
    const again = await opened(open)
    expect(again.integrity()).toEqual({ state: 'verified' })
    expect(again.entries().map((entry) => entry.seq)).toEqual([1, 2, 3])
  })

  it('never moves the head back when the keychain takes two writes out of order', async () => {
    // The real keychain, with its first head write held back until the second has landed.
    let held: (() => void) | undefined
    const slowFirst: Keychain = {
      getPassword: (service, account) => keytar.getPassword(service, account),
      deletePassword: (service, account) => keytar.deletePassword(service, account),
      async setPassword(service, account, value) {
        if (account === 'journal-head' && !held && value.includes('"seq":1,')) {
          await new Promise<void>((resolve) => {
            held = resolve
          })
        }
        await keytar.setPassword(service, account, value)
      },
    }
    const { open, service } = world(slowFirst)
    const journal = open()
    await journal.load()
    const first = journal.append(refusal(16673))
    await new Promise((resolve) => setTimeout(resolve, 20))
    const second = journal.append(refusal(16674))
    await new Promise((resolve) => setTimeout(resolve, 20))
    held?.()
    await Promise.all([first, second])
    expect(JSON.parse((await keytar.getPassword(service, 'journal-head')) ?? '{}')).toMatchObject({ seq: 2 })
    expect((await opened(open)).integrity()).toEqual({ state: 'verified' })
  })

  it('goes on with a new key when the old one is gone from the keychain, and says so once', async () => {
    const { open, service } = world()
    const journal = await opened(open)
    await journal.append(refusal(16673))
    await keytar.deletePassword(service, 'journal-key')
    await keytar.deletePassword(service, 'journal-head')
    const rekeyed = await opened(open)
    expect(rekeyed.integrity()).toMatchObject({
      state: 'problems',
      problems: expect.arrayContaining([{ kind: 'key_missing' }]),
    })
    expect(rekeyed.entries().at(-1)).toMatchObject({ type: 'chain', event: 'rekeyed' })
    await rekeyed.append(refusal(16674))
    expect((await opened(open)).integrity()).toEqual({ state: 'verified' })
  })

  it('shows the entries unchecked while the keychain cannot give the key, and checks them later', async () => {
    let locked = true
    const lockable: Keychain = {
      getPassword: (service, account) =>
        locked
          ? Promise.reject(new Error('Cannot get secret of a locked object'))
          : keytar.getPassword(service, account),
      setPassword: (service, account, value) => keytar.setPassword(service, account, value),
      deletePassword: (service, account) => keytar.deletePassword(service, account),
    }
    const { open } = world(lockable)
    const journal = open()
    await expect(journal.load()).rejects.toMatchObject({ code: 'keychain_locked' })
    expect(journal.integrity()).toMatchObject({ state: 'unchecked', problem: { code: 'keychain_locked' } })
    await expect(journal.append(refusal(16673))).rejects.toMatchObject({ code: 'keychain_locked' })
    locked = false
    await journal.append(refusal(16673))
    expect(journal.integrity()).toEqual({ state: 'verified' })
  })

  it('exports CSV that a spreadsheet opens without running anything', async () => {
    const { open } = world()
    const journal = await opened(() => open(() => new Date('2026-11-29T10:00:00Z')))
    await journal.append(refusal(16673, '=HYPERLINK("http://evil.example")'))
    await journal.append(refusal(16674, '+34 612 345 678, "quoted"'))
    await journal.append(refusal(16675, '-1'))
    await journal.append(refusal(16676, '@SUM(A1)'))
    await journal.append({ type: 'setting', officer: '9001800', setting: 'fourEyes', from: true, to: false })
    const [header, ...rows] = journalCsv(journal.entries()).trimEnd().split('\r\n')
    expect(header).toBe(
      'seq,time,officer,type,event,videoidPk,requestPk,action,attempt,reason,language,checklist,pairConfirmed,errorCode,status,detail,seal',
    )
    expect(rows[0]).toContain(`"'=HYPERLINK(""http://evil.example"")"`)
    expect(
      rows[0]?.startsWith(
        '"1","2026-11-29T10:00:00.000Z","9001800","decision","intended","16673","923056","refuse"',
      ),
    ).toBe(true)
    expect(rows[1]).toContain(`"'+34 612 345 678, ""quoted"""`)
    expect(rows[2]).toContain(`"'-1"`)
    expect(rows[3]).toContain(`"'@SUM(A1)"`)
    expect(rows[4]).toContain('"setting","fourEyes"')
    expect(rows[4]).toContain('"true → false"')
  })
})

describe('decision journal: crafted lines', () => {
  async function fourEntries() {
    const w = world()
    const journal = await opened(w.open)
    for (const pk of [16673, 16674, 16675, 16676]) await journal.append(refusal(pk))
    return w
  }

  it('reports a malformed MAC as an edit, and keeps working', async () => {
    const { file, open } = await fourEntries()
    const raws = lines(file)
    write(
      file,
      raws.map((raw, index) => (index === 1 ? { ...raw, mac: `${String(raw.mac).slice(0, 63)}z` } : raw)),
    )
    const journal = await opened(open)
    expect(journal.integrity()).toMatchObject({
      state: 'problems',
      problems: expect.arrayContaining([{ kind: 'entry_changed', seq: 2 }]),
    })
    await journal.append(refusal(16677))
  })

  it('finds an entry taken out of the middle, and two swapped', async () => {
    const { file, open } = await fourEntries()
    const raws = lines(file)
    write(
      file,
      [raws[0], raws[2], raws[3]].filter((raw) => raw !== undefined),
    )
    expect((await opened(open)).integrity()).toMatchObject({
      state: 'problems',
      problems: expect.arrayContaining([{ kind: 'entry_out_of_place', seq: 3 }]),
    })
    const other = await fourEntries()
    const swapped = lines(other.file)
    write(
      other.file,
      [swapped[0], swapped[2], swapped[1], swapped[3]].filter((raw) => raw !== undefined),
    )
    expect((await opened(other.open)).integrity()).toMatchObject({
      state: 'problems',
      problems: expect.arrayContaining([{ kind: 'entry_out_of_place', seq: 3 }]),
    })
  })

  it('takes no plain-hash line after the chain was keyed, however well it is hashed', async () => {
    const { file, open } = await fourEntries()
    const last = lines(file).at(-1) as Record<string, unknown>
    const body = { ...refusal(16677), seq: 5, time: '2026-11-30T10:00:00.000Z', prevHash: last.mac }
    const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex')
    appendFileSync(file, `${JSON.stringify({ ...body, hash })}\n`)
    expect((await opened(open)).integrity()).toMatchObject({
      state: 'problems',
      problems: expect.arrayContaining([{ kind: 'entry_changed', seq: 5 }]),
    })
  })

  it('honours no "keyed anew" line it did not seal: the edits before it stay reported', async () => {
    const { file, open } = await fourEntries()
    const raws = lines(file)
    const edited = raws.map((raw, index) => (index === 1 ? { ...raw, officer: 'FORGED-OFFICER' } : raw))
    const forged = {
      seq: 5,
      time: '2026-11-30T10:00:00.000Z',
      type: 'chain',
      event: 'rekeyed',
      officer: '',
      detail: 'nothing to see',
      prev: raws[3]?.mac,
      mac: 'a'.repeat(64),
    }
    write(file, [...edited, forged])
    expect((await opened(open)).integrity()).toMatchObject({
      state: 'problems',
      problems: expect.arrayContaining([
        { kind: 'entry_changed', seq: 2 },
        { kind: 'entry_changed', seq: 5 },
      ]),
    })
  })

  it('cuts a line a full disk tore back off, so the next entry is whole and the journal verifies', async () => {
    const { open } = world()
    const journal = await opened(open)
    await journal.append(refusal(16673))
    const write_ = fsCalls.writeSync
    fsCalls.writeSync = ((fd: number, data: NodeJS.ArrayBufferView, offset?: number | null) => {
      write_(fd, data, offset, 30)
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' })
    }) as unknown as typeof fsCalls.writeSync
    try {
      await expect(journal.append(refusal(16674))).rejects.toMatchObject({ code: 'ENOSPC' })
    } finally {
      fsCalls.writeSync = write_
    }
    await journal.append(refusal(16675))
    const reopened = await opened(open)
    expect(reopened.integrity()).toEqual({ state: 'verified' })
    expect(reopened.entries().map((entry) => entry.seq)).toEqual([1, 2])
  })

  it('exports for an auditor the lines as written and the keychain’s head, which verify with the key', async () => {
    const { open, service } = world()
    const journal = await opened(open)
    for (const pk of [16673, 16674]) await journal.append(refusal(pk, 'Razón: “documento” \\ caducado'))
    const record = journalAuditRecord(await journal.audit(), journal.integrity(), new Date())
    const key = Buffer.from((await keytar.getPassword(service, 'journal-key')) ?? '', 'base64')
    let previous = '0'.repeat(64)
    for (const line of record.lines) {
      const { mac, ...body } = JSON.parse(line) as Record<string, unknown>
      expect(body.prev).toBe(previous)
      expect(createHmac('sha256', key).update(JSON.stringify(body)).digest('hex')).toBe(mac)
      previous = String(mac)
    }
    expect(record.headInKeychain).toEqual({ seq: 2, mac: previous })
  })
})
