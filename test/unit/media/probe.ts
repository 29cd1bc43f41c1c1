import { AppError } from '../../../shared/errors'
import { servicesFor } from '../vault/fixtures'

// The video cache in a process of its own, so a test can hand it another keychain (a locked one).
// `seed` downloads a case's video and keeps a snapshot; `use` opens the video and keeps another.
// Prints one JSON line per step: its result, or the error's contract shape.
const [command, dataDir, keychainService, optimizerUrl] = process.argv.slice(2)
if (!command || !dataDir || !keychainService || !optimizerUrl)
  throw new Error('usage: probe.ts <seed|use> <dataDir> <service> <optimizerUrl>')
const LUCIA = { videoidPk: 16673, requestPk: 923056 }
const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 7]).toString('base64')
const app = servicesFor(dataDir, keychainService, optimizerUrl, (name, payload) => {
  const { state } = payload as { state: { status: string } }
  if (name === 'videoProgress' && state.status !== 'downloading') print({ ok: true, result: state })
})
function print(line: unknown) {
  process.stdout.write(`${JSON.stringify(line)}\n`)
}
async function step(run: () => unknown) {
  try {
    print({ ok: true, result: await run() })
  } catch (error) {
    print({ ok: false, error: error instanceof AppError ? error.toShape() : String(error) })
  }
}
if (command === 'seed') {
  await step(() => app.handlers.addCases({ text: `${LUCIA.videoidPk},${LUCIA.requestPk}` }))
  await step(() => app.handlers.openVideo({ videoidPk: LUCIA.videoidPk }))
  while (app.lines.every((line) => !line.includes('video downloaded')))
    await new Promise((resolve) => setTimeout(resolve, 20))
}
await step(() => app.handlers.openVideo({ videoidPk: LUCIA.videoidPk }))
await step(() => app.handlers.saveSnapshot({ videoidPk: LUCIA.videoidPk, videoTimeSeconds: 1, png }))
await app.close()
