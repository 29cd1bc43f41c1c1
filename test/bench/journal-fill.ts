import { createHmac } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import keytar from '@github/keytar'
import { createKeyStore } from '../../main/cases/seal'
import { createHeadStore } from '../../main/decisions/journal'

/**
 * Writes a decision journal of `count` entries, chained as the app chains them (written out here from
 * the format an auditor is given: each line's MAC is HMAC-SHA-256, under the journal key in the
 * keychain, of the line without its `mac`, and `prev` is the line before's MAC), with its key and head
 * in the keychain, as a desk that decided for years would have it. Each case is approved: an intended
 * entry, then its outcome.
 */
export async function writeJournal(
  file: string,
  keychainService: string,
  count: number,
  optimizer: string,
): Promise<void> {
  const service = `${keychainService}.journal`
  const key = await createKeyStore(keytar, service, 'journal-key').readOrCreate()
  const lines: string[] = []
  let prev = '0'.repeat(64)
  const started = Date.parse('2024-01-01T08:00:00.000Z')
  for (let seq = 1; seq <= count; seq++) {
    const attempt = seq % 2 === 1
    const videoidPk = 100_000 + Math.ceil(seq / 2)
    const body = {
      seq,
      time: new Date(started + seq * 60_000).toISOString(),
      type: 'decision',
      officer: `900${1800 + (seq % 7)}`,
      optimizer,
      environment: 'sandbox',
      videoidPk,
      requestPk: videoidPk + 800_000,
      action: 'approve',
      phase: attempt ? 'intended' : 'done',
      ...(attempt ? {} : { attempt: seq - 1 }),
      prev,
    }
    const mac = createHmac('sha256', key.key).update(JSON.stringify(body)).digest('hex')
    lines.push(JSON.stringify({ ...body, mac }))
    prev = mac
  }
  writeFileSync(file, `${lines.join('\n')}\n`)
  await createHeadStore(keytar, service).write({ seq: count, mac: prev })
}
