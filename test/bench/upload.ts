import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import keytar from '@github/keytar'
import Conf from 'conf'
import { createLogger } from '../../main/log'
import { createServices } from '../../main/services'
import { imageSlots } from '../../shared/capture'
import { DEFAULT_RAO, VIDEOS } from '../simulator/seed'
import { pngOf } from '../support/images'
import { cleanKeychain } from '../support/keychain'
import { FakePowerMonitor } from '../support/power-monitor'

// `bash test/with-keyring.sh npm run bench:upload` (it keeps a media key in the keychain): captures with a
// 200 MB video each, made through the app's own services, then uploaded to the simulator (in a process of
// its own, so that what it holds of an upload is not counted) by a fresh main process, as after a
// restart: its memory then holds nothing left over from making the captures. Its resident memory and
// the memory its JavaScript holds (heap and buffers) are sampled every 10 ms during each upload, from a
// baseline taken after a collection just before it; the limit is a growth of 64 MiB. Prints each
// round, then the summary line last: the largest growth of either.
const SIZE = 200 * 1000 * 1000
const ROUNDS = 3
const LIMIT_MIB = 64
const MIB = 1024 * 1024
const PIECE = 1024 * 1024

const folder = mkdtempSync(path.join(tmpdir(), 'rao-bench-upload-'))
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc (npm run bench:upload does)')

/** The simulator in a child process; resolves with its URL once it listens. */
async function startSimulator(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, '../simulator/cli.ts'), '--data', folder],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    const url = /listening at (\S+)/.exec(line)?.[1]
    if (url) return { child, url }
  }
  throw new Error('the simulator did not start')
}

/** The app's services on the bench's folder and keychain, as main builds them. */
const servicesOn = (dataDir: string, keychainService: string) =>
  createServices({
    store: new Conf<Record<string, unknown>>({
      projectName: 'rao-desk',
      cwd: dataDir,
      configName: 'settings',
    }),
    caseBookFile: path.join(dataDir, 'case-book.jsonl'),
    journalFile: path.join(dataDir, 'decision-journal.jsonl'),
    cacheDir: path.join(dataDir, 'video-cache'),
    mediaUrl: (mediaPath) => `rao-media://media${mediaPath}`,
    keychain: keytar,
    keychainService,
    powerMonitor: new FakePowerMonitor(),
    log: createLogger(() => undefined),
    emit: () => undefined,
  })
const mib = (bytes: number) => (bytes / MIB).toFixed(1)
const inUse = () => {
  const usage = process.memoryUsage()
  return { rss: usage.rss, js: usage.heapUsed + usage.external }
}

/** A Video ID created here, captured whole, its video sent to main in 1 MiB pieces as the page sends a file. */
async function capturedVideoId(handlers: ReturnType<typeof servicesOn>['handlers']): Promise<number> {
  const { case: created } = await handlers.createVideoId({
    mobilePhoneNumber: '+34 600 111 222',
    email: 'bench@example.org',
    registrationAuthority: DEFAULT_RAO.rao,
    profile: 'PFnubeQAFCiudadano',
  })
  const videoidPk = created.videoidPk
  await handlers.openCapture({ videoidPk })
  await handlers.saveCapture({
    videoidPk,
    acceptance: { accepted: true, userAgent: 'bench' },
    document: {
      givenName: 'Bench',
      surname1: 'Mark',
      serialNumber: '00000000T',
      idDocumentType: 'IDC',
      idDocumentCountry: 'ES',
    },
    checks: {
      documentsMatch: true,
      dataIntegrity: true,
      documentNotCopy: true,
      documentNotExpired: true,
      documentNotUnderage: true,
      liveness: true,
      otpValidation: true,
      similarityLevel: 90,
    },
  })
  const image = pngOf(1200, 800).toString('base64')
  for (const slot of imageSlots)
    await handlers.saveCaptureImage({ videoidPk, slot, source: 'file', data: image })
  const { take } = await handlers.startCaptureVideo({ videoidPk, type: 'video/webm', source: 'file' })
  // A real WebM start, then random bytes: nothing on the way could make them cheaper to carry.
  const head = readFileSync(VIDEOS.c)
  for (let index = 0, at = 0; at < SIZE; index++, at += PIECE) {
    const length = Math.min(PIECE, SIZE - at)
    const piece = index === 0 ? Buffer.concat([head, randomBytes(length - head.length)]) : randomBytes(length)
    await handlers.appendCaptureVideo({ videoidPk, take, index, data: piece.toString('base64') })
  }
  await handlers.endCaptureVideo({ videoidPk, take, ended: 'file', prompts: [] })
  return videoidPk
}

/** The fresh main process: uploads each capture, sampling its memory; prints one JSON line per round. */
async function uploadRounds(dataDir: string, keychainService: string, pks: number[]): Promise<void> {
  const services = servicesOn(dataDir, keychainService)
  try {
    for (const videoidPk of pks) {
      gc?.()
      await new Promise((resolve) => setTimeout(resolve, 200))
      gc?.()
      const before = inUse()
      const peak = { ...before }
      const sample = () => {
        const now = inUse()
        peak.rss = Math.max(peak.rss, now.rss)
        peak.js = Math.max(peak.js, now.js)
      }
      const sampler = setInterval(sample, 10)
      const started = performance.now()
      const { case: uploaded } = await services.handlers.uploadCapture({ videoidPk })
      const seconds = (performance.now() - started) / 1000
      clearInterval(sampler)
      sample()
      if (uploaded.status !== 'VIDEOREVIEW') throw new Error(`the upload ended in ${uploaded.status}`)
      console.info(JSON.stringify({ seconds, before, peak }))
    }
  } finally {
    await services.close()
  }
}

const [mode, ...given] = process.argv.slice(2)
if (mode === '--upload') {
  const [dataDir = '', keychainService = '', pks = ''] = given
  await uploadRounds(dataDir, keychainService, pks.split(',').map(Number))
} else {
  const simulator = await startSimulator()
  const keychainService = `rao-desk-bench-${randomBytes(6).toString('hex')}`
  try {
    const services = servicesOn(folder, keychainService)
    services.handlers.saveSettings({
      optimizerUrl: simulator.url,
      privacyPolicyUrl: 'https://ra.example/privacy',
      termsUrl: 'https://ra.example/terms',
    })
    await services.handlers.setUpCredentials(DEFAULT_RAO)
    const pks: number[] = []
    for (let round = 0; round < ROUNDS; round++) pks.push(await capturedVideoId(services.handlers))
    await services.close()

    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        import.meta.filename,
        '--upload',
        folder,
        keychainService,
        pks.join(','),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    const growths: number[] = []
    for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
      const { seconds, before, peak } = JSON.parse(line) as {
        seconds: number
        before: { rss: number; js: number }
        peak: { rss: number; js: number }
      }
      const rss = (peak.rss - before.rss) / MIB
      const js = (peak.js - before.js) / MIB
      growths.push(Math.max(rss, js))
      console.info(
        `round ${growths.length}: ${SIZE / 1e6} MB in ${seconds.toFixed(1)} s (${(SIZE / 1e6 / seconds).toFixed(0)} MB/s); resident ${mib(before.rss)} → ${mib(peak.rss)} MiB (+${rss.toFixed(1)}), heap and buffers ${mib(before.js)} → ${mib(peak.js)} MiB (+${js.toFixed(1)})`,
      )
    }
    if (growths.length !== ROUNDS) throw new Error('the uploading process did not finish every round')
    const worst = Math.max(...growths)
    console.info(
      `upload ${SIZE / 1e6} MB video: main's memory grew by ${worst.toFixed(1)} MiB at most over ${ROUNDS} rounds (limit ${LIMIT_MIB} MiB)`,
    )
    process.exitCode = worst <= LIMIT_MIB ? 0 : 1
  } finally {
    simulator.child.kill()
    await cleanKeychain(keychainService)
    rmSync(folder, { recursive: true, force: true })
  }
}
