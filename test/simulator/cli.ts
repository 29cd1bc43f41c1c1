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
for (const rao of simulator.state.raos) {
  console.info(
    `Test RAO (synthetic): username ${rao.username}, password ${rao.password}, PIN ${rao.pin}, RAO id ${rao.rao}`,
  )
}
const cases = [...simulator.state.cases.values()]
if (cases.length) {
  console.info(`${cases.length} Video IDs; paste these videoid_pk,request_pk pairs into "Add existing":`)
  for (const item of cases) console.info(`${item.videoidPk},${item.requestPk}`)
}
const stop = () => void simulator.close().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
