import { servicesFor } from '../vault/fixtures'
import { FULL_CHECKLIST } from './checklist'

// Child process of the crash test: approves a case with the app's own services, and is killed by the
// test while the answer is on its way.
const [dataDir, keychainService, optimizerUrl, videoidPk] = process.argv.slice(2)
if (!dataDir || !keychainService || !optimizerUrl || !videoidPk) throw new Error('usage: decide-child.ts …')
const app = servicesFor(dataDir, keychainService, optimizerUrl)
await app.handlers.decide({ action: 'approve', videoidPk: Number(videoidPk), checklist: FULL_CHECKLIST })
