import { startHarness } from '../harness/server'
import { DEFAULT_RAO } from '../simulator/seed'

// A desk of its own for the team E2E, killed by the test while it holds a claim: the app's services on
// a data folder and keychain service the test gives, team mode on, one case opened (claimed).
const env = (name: string) => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set`)
  return value
}
const harness = await startHarness({
  optimizerUrl: env('DESK_OPTIMIZER'),
  dataDir: env('DESK_DATA'),
  keychainService: env('DESK_SERVICE'),
  team: { leaseSeconds: Number(env('DESK_LEASE')) },
})
await harness.credentials.setUp({ ...DEFAULT_RAO })
await harness.team.setUp({
  enabled: true,
  url: env('DESK_TEAM'),
  user: env('DESK_USER'),
  password: env('DESK_PASSWORD'),
})
const videoidPk = Number(env('DESK_CASE'))
for (let tries = 0; tries < 200; tries++) {
  const online = harness.team.status().link?.online
  const inBook = (await harness.cases.list()).some((item) => item.videoidPk === videoidPk)
  if (online && inBook) break
  await new Promise((resolve) => setTimeout(resolve, 50))
}
const held = await harness.team.open(videoidPk)
if (held?.claim?.officer !== env('DESK_USER')) throw new Error('the case was not claimed')
process.stdout.write('held\n')
// Holds it until killed.
setInterval(() => undefined, 60_000)
