import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { journalCsv, openJournal } from '../../../main/decisions/journal'

const newFile = () => path.join(mkdtempSync(path.join(tmpdir(), 'rao-journal-')), 'decision-journal.jsonl')
const record = (videoidPk: number, reason?: string) => ({
  officer: '9001800',
  videoidPk,
  requestPk: videoidPk + 906_383,
  action: 'refuse' as const,
  phase: 'intended' as const,
  ...(reason ? { reason } : {}),
})

describe('decision journal', () => {
  it('chains every entry to the one before, and finds an edited or removed entry', () => {
    const file = newFile()
    const journal = openJournal(file)
    for (const pk of [16673, 16674, 16675, 16676]) journal.append(record(pk, `reason ${pk}`))
    expect(openJournal(file).chain()).toEqual({ ok: true })
    expect(
      openJournal(file)
        .entries()
        .map((entry) => entry.seq),
    ).toEqual([1, 2, 3, 4])

    const original = readFileSync(file, 'utf8')
    writeFileSync(file, original.replace('reason 16675', 'reason 99999'))
    expect(openJournal(file).chain()).toEqual({ ok: false, brokenAt: 3, problem: 'entry 3 was changed' })

    const lines = original.split('\n')
    writeFileSync(file, [...lines.slice(0, 1), ...lines.slice(2)].join('\n'))
    expect(openJournal(file).chain()).toMatchObject({ ok: false, brokenAt: 3 })
    // A broken journal still takes new entries: the app reports, and keeps working.
    openJournal(file).append(record(16677))
    expect(openJournal(file).entries()).toHaveLength(4)
  })

  it('drops a last line cut short by a crash; the entries kept still verify, and appends go on', () => {
    const file = newFile()
    const journal = openJournal(file)
    journal.append(record(16673))
    journal.append(record(16674))
    appendFileSync(file, '{"seq":3,"time":"2026-11-29T10:00:00.000Z","officer":"90018')
    const reopened = openJournal(file)
    expect(reopened.chain()).toEqual({ ok: true })
    expect(reopened.entries()).toHaveLength(2)
    reopened.append(record(16675))
    const again = openJournal(file)
    expect(again.chain()).toEqual({ ok: true })
    expect(again.entries().map((entry) => entry.videoidPk)).toEqual([16673, 16674, 16675])
  })

  it('keeps every one of many appends made at once, in one chain', async () => {
    const file = newFile()
    const journal = openJournal(file)
    await Promise.all(
      Array.from({ length: 50 }, async (_, index) => {
        await new Promise((resolve) => setTimeout(resolve, index % 7))
        journal.append(record(20000 + index))
      }),
    )
    const reopened = openJournal(file)
    expect(reopened.chain()).toEqual({ ok: true })
    expect(reopened.entries().map((entry) => entry.seq)).toEqual(
      Array.from({ length: 50 }, (_, index) => index + 1),
    )
    expect(new Set(reopened.entries().map((entry) => entry.videoidPk)).size).toBe(50)
  })

  it('exports CSV that a spreadsheet opens without running anything', () => {
    const journal = openJournal(newFile(), () => new Date('2026-11-29T10:00:00Z'))
    journal.append(record(16673, '=HYPERLINK("http://evil.example")'))
    journal.append(record(16674, '+34 612 345 678, "quoted"'))
    journal.append(record(16675, '-1'))
    journal.append(record(16676, '@SUM(A1)'))
    const [header, ...rows] = journalCsv(journal.entries()).trimEnd().split('\r\n')
    expect(header).toBe(
      'seq,time,officer,videoidPk,requestPk,action,phase,attempt,reason,checklist,errorCode,status,hash',
    )
    expect(rows[0]).toContain(`"'=HYPERLINK(""http://evil.example"")"`)
    expect(
      rows[0]?.startsWith('"1","2026-11-29T10:00:00.000Z","9001800","16673","923056","refuse","intended"'),
    ).toBe(true)
    expect(rows[1]).toContain(`"'+34 612 345 678, ""quoted"""`)
    expect(rows[2]).toContain(`"'-1"`)
    expect(rows[3]).toContain(`"'@SUM(A1)"`)
  })
})
