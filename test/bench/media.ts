import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import keytar from '@github/keytar'
import Conf from 'conf'
import { createLogger } from '../../main/log'
import { createMediaHandler } from '../../main/media/media-protocol'
import type { ByteRange } from '../../main/media/range'
import type { MediaSource } from '../../main/media/sealed-stream'
import { createServices } from '../../main/services'
import { DEFAULT_RAO, VIDEOS } from '../simulator/seed'
import { startSimulator } from '../simulator/server'
import { FakePowerMonitor } from '../support/power-monitor'

// `npm run bench:media` (under `bash test/with-keyring.sh`: it keeps a media key in the keychain): a
// 500 MB video downloaded into the cache, sealed, then read whole through main's media protocol handler,
// as Chromium reads it, against the same handler reading the plain file (what the cache served before it
// was sealed: 256 KiB reads from disk). Alternately, five rounds after a warm-up, each read twice: from
// the disk (the file dropped from the OS file cache first, as a video saved days ago is; `dd
// iflag=nocache`, GNU coreutils) and from the OS file cache. Prints each round with the CPU time it took
// (the process's, all threads), the file cache's figures, then the summary line last: from the disk.
const SIZE = 500 * 1000 * 1000
const ROUNDS = 5
const MIB = 1024 * 1024
const PLAIN_PIECE = 256 * 1024

const folder = mkdtempSync(path.join(tmpdir(), 'rao-bench-media-'))
const file = path.join(folder, 'signer.mp4')
// A real MP4 start, then random bytes: nothing a file system or a cache could make cheaper to read.
const fd = openSync(file, 'w')
writeSync(fd, readFileSync(VIDEOS.a))
for (let written = readFileSync(VIDEOS.a).length; written < SIZE; written += 16 * MIB)
  writeSync(fd, randomBytes(Math.min(16 * MIB, SIZE - written)))
closeSync(fd)

/** The plain file served as the media protocol served videos before the cache was sealed. */
function plainSource(size: number): MediaSource {
  return {
    size,
    type: 'video/mp4',
    stream(range: ByteRange) {
      let position = range.start
      let handle: Awaited<ReturnType<typeof open>> | undefined
      return new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            handle ??= await open(file, 'r')
            const buffer = Buffer.allocUnsafe(Math.min(PLAIN_PIECE, range.end - position + 1))
            const { bytesRead } = await handle.read(buffer, 0, buffer.length, position)
            position += bytesRead
            controller.enqueue(buffer.subarray(0, bytesRead))
            if (position > range.end) {
              await handle.close()
              controller.close()
            }
          },
        },
        { highWaterMark: 0 },
      )
    },
  }
}

const simulator = await startSimulator({ raos: [DEFAULT_RAO] })
const lucia = simulator.state.cases.get(16673)
if (!lucia) throw new Error('the simulator’s seed changed')
simulator.attachVideo(lucia.videoidPk, file)
const keychainService = `rao-desk-bench-${randomBytes(6).toString('hex')}`
const services = createServices({
  store: new Conf<Record<string, unknown>>({ projectName: 'rao-desk', cwd: folder, configName: 'settings' }),
  caseBookFile: path.join(folder, 'case-book.jsonl'),
  journalFile: path.join(folder, 'decision-journal.jsonl'),
  cacheDir: path.join(folder, 'video-cache'),
  mediaUrl: (mediaPath) => `rao-media://media${mediaPath}`,
  keychain: keytar,
  keychainService,
  log: createLogger(() => undefined),
  emit: () => undefined,
  powerMonitor: new FakePowerMonitor(),
})
services.handlers.saveSettings({ optimizerUrl: simulator.url })
await services.handlers.addCases({ text: `${lucia.videoidPk},${lucia.requestPk}` })
await services.handlers.openVideo({ videoidPk: lucia.videoidPk })
while ((await services.handlers.openVideo({ videoidPk: lucia.videoidPk })).state.status !== 'ready')
  await new Promise((resolve) => setTimeout(resolve, 100))

const videos = path.join(folder, 'video-cache', 'videos')
const sealedFile = path.join(videos, readdirSync(videos).find((name) => name.endsWith('.video.enc')) ?? '')
/** Drops both files from the OS file cache: the next read comes from the disk. */
const fromDisk = () => {
  for (const dropped of [file, sealedFile])
    execFileSync('dd', [`if=${dropped}`, 'iflag=nocache', 'count=0', 'status=none'])
}
const sealed = createMediaHandler({ video: services.video })
const plain = createMediaHandler({
  video: { source: async () => plainSource(SIZE), snapshot: async () => undefined },
})

/** Reads the whole video through a handler, as a player does; answers MiB/s and CPU ms per GiB. */
async function readWhole(handler: (request: Request) => Promise<Response>) {
  const started = performance.now()
  const cpu = process.cpuUsage()
  const response = await handler(new Request(`rao-media://media/case/${lucia?.videoidPk}/video`))
  const reader = response.body?.getReader()
  let bytes = 0
  for (let piece = await reader?.read(); piece && !piece.done; piece = await reader?.read())
    bytes += piece.value.length
  if (bytes !== SIZE) throw new Error(`read ${bytes} bytes of ${SIZE}`)
  const { user, system } = process.cpuUsage(cpu)
  return {
    rate: bytes / MIB / ((performance.now() - started) / 1000),
    cpuMsPerGib: (user + system) / 1000 / (bytes / 1024 ** 3),
  }
}

const rates = {
  disk: { encrypted: [] as number[], plain: [] as number[] },
  cached: { encrypted: [] as number[], plain: [] as number[] },
}
const line = (figures: Awaited<ReturnType<typeof readWhole>>) =>
  `${figures.rate.toFixed(0)} MiB/s (${figures.cpuMsPerGib.toFixed(0)} ms CPU per GiB)`
try {
  await readWhole(sealed)
  await readWhole(plain)
  for (let round = 1; round <= ROUNDS; round++) {
    for (const where of ['disk', 'cached'] as const) {
      if (where === 'disk') fromDisk()
      const encrypted = await readWhole(sealed)
      if (where === 'disk') fromDisk()
      const clear = await readWhole(plain)
      rates[where].encrypted.push(encrypted.rate)
      rates[where].plain.push(clear.rate)
      console.info(
        `round ${round}, ${where === 'disk' ? 'from the disk' : 'from the file cache'}: encrypted ${line(encrypted)}, plain ${line(clear)}`,
      )
    }
  }
} finally {
  await services.close()
  await simulator.close()
  await keytar.deletePassword(`${keychainService}.media`, 'media-key')
  await keytar.deletePassword(`${keychainService}.case-book`, 'case-book-key')
  rmSync(folder, { recursive: true, force: true })
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
const summary = (where: keyof typeof rates) => {
  const [encrypted, clear] = [median(rates[where].encrypted), median(rates[where].plain)]
  return `encrypted_mib_s=${encrypted.toFixed(0)} plain_mib_s=${clear.toFixed(0)} ratio=${(encrypted / clear).toFixed(2)}`
}
console.info(`media, from the file cache: ${summary('cached')}`)
console.info(`media: ${summary('disk')}`)
process.exit(0)
