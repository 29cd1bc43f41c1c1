import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const summary = path.resolve(import.meta.dirname, '../../summary.mjs')

/** Runs the suite's summary on the reports given, as the last step of `npm test` does. */
function summarise(vitest: unknown, playwright: unknown) {
  const cwd = mkdtempSync(path.join(tmpdir(), 'rao-summary-'))
  mkdirSync(path.join(cwd, 'out/test-results'), { recursive: true })
  writeFileSync(path.join(cwd, 'out/test-results/vitest.json'), JSON.stringify(vitest))
  writeFileSync(path.join(cwd, 'out/test-results/playwright.json'), JSON.stringify(playwright))
  const run = spawnSync(process.execPath, [summary], { cwd, encoding: 'utf8' })
  return { lines: run.stdout.trim().split('\n'), status: run.status }
}

const vitestReport = (skipReason?: string) => ({
  numPassedTests: 2,
  numFailedTests: 0,
  numPendingTests: 1,
  numTodoTests: 0,
  testResults: [
    {
      assertionResults: [
        { fullName: 'a test that ran', status: 'passed', meta: {} },
        { fullName: 'a disk that fills up', status: 'skipped', meta: skipReason ? { skipReason } : {} },
      ],
    },
  ],
})
const playwrightReport = {
  stats: { expected: 3, flaky: 0, unexpected: 0, skipped: 1 },
  suites: [
    {
      specs: [
        {
          title: 'opens the built app',
          tests: [{ status: 'skipped', annotations: [{ type: 'skip', description: 'no Electron binary' }] }],
        },
      ],
    },
  ],
}

describe('the suite’s closing summary', () => {
  it('names every skip with its reason, from both runners, then the count line', () => {
    const { lines, status } = summarise(vitestReport('not root: no tmpfs'), playwrightReport)
    expect(lines).toEqual([
      'skipped: a disk that fills up — not root: no tmpfs',
      'skipped: opens the built app — no Electron binary',
      '5 passed, 0 failed, 2 skipped',
    ])
    expect(status).toBe(0)
  })

  it('fails a run with a skip that gives no reason', () => {
    const { lines, status } = summarise(vitestReport(), playwrightReport)
    expect(lines).toContain('skipped: a disk that fills up — no reason given')
    expect(lines).toContain('1 skipped without a reason')
    expect(status).toBe(1)
  })
})
