import { openCaseBook, type StoredCase } from '../../../main/cases/case-book'

// Child process of the crash test: writes the case book as fast as it can until it is killed, and says
// on stdout which write has returned. Each write adds one new case and rewrites three old ones, so the
// book is compacted now and then, and a kill can land anywhere: in a write, a compaction, or an open.
const [file] = process.argv.slice(2)
if (!file) throw new Error('usage: write-book.ts FILE')
const opened = openCaseBook(file)
if (opened.state !== 'open') throw new Error(`book damaged before the run: ${opened.reason}`)
const { book } = opened
const entry = (videoidPk: number, status: string): StoredCase => ({
  optimizer: 'http://127.0.0.1:1/oneshot/api/v1',
  environment: 'sandbox',
  videoidPk,
  requestPk: videoidPk + 1_000_000,
  status,
  addedAt: new Date().toISOString(),
  gone: false,
})
let next = Math.max(100, ...[...book.all()].map((item) => item.videoidPk)) + 1
for (;;) {
  const seq = next++
  book.put([entry(seq, `S${seq}`), entry(1, `S${seq}`), entry(2, `S${seq}`), entry(3, `S${seq}`)])
  process.stdout.write(`${seq}\n`)
}
