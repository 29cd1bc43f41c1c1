import { AppError } from '../../../shared/errors'
import { OFFICER, servicesFor } from './fixtures'

// One vault operation in a process of its own, so a test can hand it another keychain: none, a locked
// one, a fresh one. Prints one JSON line: the result, or the error's contract shape.
const [command, dataDir, keychainService] = process.argv.slice(2)
if (!command || !dataDir || !keychainService)
  throw new Error('usage: probe.ts <setup|status> <dataDir> <service>')
const app = servicesFor(dataDir, keychainService, 'http://127.0.0.1:9/oneshot/api/v1')
try {
  const result =
    command === 'setup'
      ? (await app.handlers.setUpCredentials(OFFICER)).status
      : await app.handlers.getCredentialStatus(undefined)
  process.stdout.write(`${JSON.stringify({ ok: true, result })}\n`)
} catch (error) {
  process.stdout.write(
    `${JSON.stringify({ ok: false, error: error instanceof AppError ? error.toShape() : String(error) })}\n`,
  )
}
