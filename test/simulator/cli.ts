import { parseArgs } from 'node:util'
import { startSimulator } from './server'

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } })
const simulator = await startSimulator({ port: Number(values.port) })
console.info(`One-Shot simulator listening at ${simulator.url}`)
const stop = () => void simulator.close().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
