import { startSimulator } from '../simulator/server'
import { startHarness } from './server'

// `npm run harness`: the real renderer and services in a browser of your choice, against the simulator
// by default or the Optimizer in RAO_DESK_OPTIMIZER_URL.
const external = process.env.RAO_DESK_OPTIMIZER_URL
const simulator = external ? undefined : await startSimulator()
const optimizerUrl = external ?? simulator?.url
const harness = await startHarness({ ...(optimizerUrl ? { optimizerUrl } : {}) })

console.info(`Optimizer: ${optimizerUrl}${simulator ? ' (simulator)' : ''}`)
console.info(`Open RAO Desk in a browser: ${harness.url}`)
console.info('Press Ctrl+C to stop.')

const stop = async () => {
  await harness.close()
  await simulator?.close()
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
