import { createLogger } from '../../../main/log'
import { createOneShotClient } from '../../../main/oneshot/client'
import { createDispatcher } from '../../../main/oneshot/transport'
import { AppError } from '../../../shared/errors'

// Child process of the system-store test: started with SSL_CERT_FILE naming the test's CA (the
// operating system's store, as OpenSSL reads it), it asks an HTTPS Optimizer for /hello and prints what
// became of it.
const [baseUrl] = process.argv.slice(2)
if (!baseUrl) throw new Error('usage: system-ca-child.ts BASE_URL')
const client = createOneShotClient({
  baseUrl: () => baseUrl,
  dispatcher: createDispatcher({ maxRetries: 0 }),
  log: createLogger(() => undefined),
})
const outcome = await client.hello().then(
  (greeting) => greeting,
  (error: unknown) => (error instanceof AppError ? error.code : 'other'),
)
process.stdout.write(`${outcome}\n`)
process.exit(0)
