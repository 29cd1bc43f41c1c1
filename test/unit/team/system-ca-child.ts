import { checkTeamConnection } from '../../../main/team/check'
import { AppError } from '../../../shared/errors'

// Child process of the system-store test: started with SSL_CERT_FILE naming the test's CA (the operating
// system's store, as OpenSSL reads it), it checks the team connection it is given and prints the outcome.
const [connection] = process.argv.slice(2)
if (!connection) throw new Error('usage: system-ca-child.ts CONNECTION_JSON')
const outcome = await checkTeamConnection({ connection: JSON.parse(connection) }).then(
  () => 'ok',
  (error: unknown) => (error instanceof AppError ? error.code : 'other'),
)
process.stdout.write(`${outcome}\n`)
process.exit(0)
