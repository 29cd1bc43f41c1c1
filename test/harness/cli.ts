import { startSimulator } from '../simulator/server'
import { startHarness } from './server'

// `npm run harness`: the real renderer and services in a browser of your choice, against the simulator
// (its seeded cases already in the case book) or the Optimizer in RAO_DESK_OPTIMIZER_URL.
const external = process.env.RAO_DESK_OPTIMIZER_URL
const simulator = external ? undefined : await startSimulator()
const optimizerUrl = external ?? simulator?.url
const harness = await startHarness({ ...(optimizerUrl ? { optimizerUrl } : {}) })

console.info(`Optimizer: ${optimizerUrl}${simulator ? ' (simulator)' : ''}`)
if (simulator) {
  const pairs = [...simulator.state.cases.values()].map((item) => `${item.videoidPk},${item.requestPk}`)
  await harness.cases.addPairs(pairs.join('\n'))
  const rao = simulator.state.raos[0]
  console.info(`Case book: ${pairs.length} Video IDs of the simulator added.`)
  if (rao) {
    console.info(
      `Test RAO (synthetic): username ${rao.username}, password ${rao.password}, PIN ${rao.pin}, RAO id ${rao.rao}`,
    )
  }
}
console.info(`Open RAO Desk in a browser: ${harness.url}`)
console.info('Press Ctrl+C to stop.')

let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  await harness.close()
  await simulator?.close()
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
