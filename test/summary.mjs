// Prints one closing summary of the whole suite from the runners' JSON reports and the failed steps.
import { existsSync, readFileSync } from 'node:fs'

const failedSteps = process.argv.slice(2)
const read = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined)

let passed = 0
let failed = 0
let skipped = 0
let unexplained = 0
const vitest = read('out/test-results/vitest.json')
if (vitest) {
  passed += vitest.numPassedTests
  failed += vitest.numFailedTests
  skipped += vitest.numPendingTests + vitest.numTodoTests
  for (const file of vitest.testResults ?? []) {
    for (const test of file.assertionResults ?? []) {
      if (test.status !== 'skipped' && test.status !== 'pending' && test.status !== 'todo') continue
      const reason = test.meta?.skipReason
      if (!reason) unexplained++
      console.info(`skipped: ${test.fullName} — ${reason ?? 'no reason given'}`)
    }
  }
}
const playwright = read('out/test-results/playwright.json')
if (playwright) {
  passed += playwright.stats.expected + playwright.stats.flaky
  failed += playwright.stats.unexpected
  skipped += playwright.stats.skipped
  for (const suite of playwright.suites ?? []) listSkips(suite)
}

function listSkips(suite) {
  for (const spec of suite.specs ?? []) {
    for (const test of spec.tests ?? []) {
      const reasons = test.annotations?.filter((note) => note.type === 'skip').map((note) => note.description)
      if (test.status !== 'skipped') continue
      if (!reasons?.length) unexplained++
      console.info(`skipped: ${spec.title} — ${reasons?.join('; ') || 'no reason given'}`)
    }
  }
  for (const child of suite.suites ?? []) listSkips(child)
}

for (const [name, report] of [
  ['unit', vitest],
  ['e2e', playwright],
]) {
  if (!report) console.info(`${name}: no report (the runner did not finish)`)
}
if (failedSteps.length) console.info(`failed steps: ${failedSteps.join(', ')}`)
// A skip must say why (skipBecause in Vitest, a described test.skip in Playwright): one that does not fails the run.
if (unexplained) console.info(`${unexplained} skipped without a reason`)
console.info(`${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failedSteps.length || failed || unexplained || !vitest || !playwright ? 1 : 0)
