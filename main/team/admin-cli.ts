import { readFileSync } from 'node:fs'
import pg from 'pg'
import { AppError } from '../../shared/errors'
import { addOfficer, initTeam } from './admin'
import { clientConfig, parseTeamUrl } from './config'
import { teamError } from './errors'

/**
 * The team database's admin commands:
 *   npm run team:init -- postgres://admin@host/database
 *   npm run team:add-officer -- postgres://admin@host/database <name> [--admin]
 * The user is the one in the address (a superuser, or a role with CREATEROLE that owns the database);
 * its password comes from PGPASSWORD or ~/.pgpass, never from the command line.
 */
const USAGE = `usage:
  npm run team:init -- postgres://ADMIN@HOST[:PORT]/DATABASE
  npm run team:add-officer -- postgres://ADMIN@HOST[:PORT]/DATABASE NAME [--admin]
The admin's password is read from PGPASSWORD (or ~/.pgpass).`

async function main(argv: string[]): Promise<string> {
  const [command, url, name, ...rest] = argv
  if (!url || (command !== 'init' && command !== 'add-officer') || (command === 'add-officer' && !name))
    throw new AppError('invalid_input', USAGE)
  const address = parseTeamUrl(url)
  if (!address.user)
    throw new AppError('invalid_input', 'Name the admin user in the address: postgres://ADMIN@HOST/DB')
  const extraCaFile = process.env.RAO_DESK_EXTRA_CA_FILE
  const client = new pg.Client(
    clientConfig({
      address,
      user: address.user,
      ...(extraCaFile ? { extraCaPem: readFileSync(extraCaFile, 'utf8') } : {}),
      applicationName: 'rao-desk admin',
    }),
  )
  client.on('error', () => undefined)
  try {
    await client.connect()
    if (command === 'init') {
      const { from, to } = await initTeam(client)
      return from === to
        ? `team database ready: schema ${to}, nothing to upgrade`
        : `team database ready: schema ${from} -> ${to}; roles rao_team_officer and rao_team_admin exist`
    }
    const { role, password, created } = await addOfficer(client, name ?? '', {
      admin: rest.includes('--admin'),
    })
    return [
      `${created ? 'created' : 'updated'} login role ${role}${rest.includes('--admin') ? ' (officer and admin)' : ' (officer)'}`,
      `password (shown once; hand it to the officer, who enters it in RAO Desk's team settings): ${password}`,
    ].join('\n')
  } finally {
    await client.end().catch(() => undefined)
  }
}

main(process.argv.slice(2)).then(
  (text) => {
    process.stdout.write(`${text}\n`)
  },
  (error: unknown) => {
    const problem = error instanceof AppError ? error : teamError(error)
    process.stderr.write(`${problem.message}${problem.detail ? `\n${problem.detail}` : ''}\n`)
    process.exitCode = 1
  },
)
