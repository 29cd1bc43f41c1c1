import { parseArgs } from 'node:util'
import { startSimulator } from './server'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    data: { type: 'string' },
    empty: { type: 'boolean', default: false },
  },
})
const simulator = await startSimulator({
  port: Number(values.port),
  seed: !values.empty,
  ...(values.data ? { dataDir: values.data } : {}),
})
console.info(`One-Shot simulator listening at ${simulator.url}`)
console.info(
  `${simulator.state.cases.size} Video IDs; RAO ${simulator.state.raos[0]?.username} (rao ${simulator.state.raos[0]?.rao})`,
)
const stop = () => void simulator.close().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
