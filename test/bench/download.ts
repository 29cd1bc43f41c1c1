import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFileSync, mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { createLogger } from '../../main/log'
import { createSealedWriter } from '../../main/media/sealed-file'
import { createOneShotClient } from '../../main/oneshot/client'
import { createDispatcher } from '../../main/oneshot/transport'
import { VIDEOS } from '../simulator/seed'

// `npm run bench:download`: a 1 GiB video from the simulator, downloaded alternately by the client (sealed
// as the video cache writes it) and by curl from the same URL, three times each. Prints throughput per
// run, then the summary line last.
const SIZE = 1024 ** 3
const ROUNDS = 3
const MIB = 1024 * 1024

const folder = mkdtempSync(path.join(tmpdir(), 'rao-bench-'))
const source = path.join(folder, 'source.mp4')
copyFileSync(VIDEOS.a, source)
truncateSync(source, SIZE) // a real MP4 start, then sparse to 1 GiB

async function startServer(): Promise<{
  child: ChildProcess
  url: string
  videoidPk: number
  warmUpPk: number
}> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, 'serve-video.ts'), source],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const [line] = await createInterface({ input: child.stdout as NodeJS.ReadableStream })
    [Symbol.asyncIterator]()
    .next()
    .then((first) => [first.value as string])
  const answer = JSON.parse(line ?? '{}') as { url: string; videoidPk: number; warmUpPk: number }
  return { child, ...answer }
}

const server = await startServer()
const client = createOneShotClient({
  baseUrl: () => server.url,
  dispatcher: createDispatcher(),
  log: createLogger(() => undefined),
})
const videoUrl = `${server.url}/videoid/${server.videoidPk}/video`
/** The video cache's writer, under a media key of the benchmark's own (the keychain is not measured). */
const mediaKey = { id: 'benchmark000', key: randomBytes(32) }
const sealed = {
  writer: (fd: number) => createSealedWriter(fd, mediaKey, randomBytes(32), 'video benchmark'),
}
const target = path.join(folder, 'download.mp4')
// Load the download path once (a small video), so RSS growth measures the transfer, not code loading.
await client.downloadVideo(server.warmUpPk, path.join(folder, 'warm-up.mp4'), sealed)

async function timeClient(): Promise<{
  seconds: number
  rssGrowth: number
  pageFaults: number
  loopP99Ms: number
}> {
  global.gc?.()
  // How late this process's event loop (the one that answers IPC in the app) runs while it downloads.
  const loop = monitorEventLoopDelay({ resolution: 1 })
  loop.enable()
  const faultsBefore = process.resourceUsage().minorPageFault
  const baseline = process.memoryUsage.rss()
  let peak = baseline
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss())
  }, 20)
  const started = performance.now()
  const result = await client.downloadVideo(server.videoidPk, target, sealed)
  const seconds = (performance.now() - started) / 1000
  loop.disable()
  clearInterval(sampler)
  peak = Math.max(peak, process.memoryUsage.rss())
  if (result.bytes !== SIZE) throw new Error(`client got ${result.bytes} bytes`)
  rmSync(target)
  return {
    seconds,
    rssGrowth: peak - baseline,
    pageFaults: process.resourceUsage().minorPageFault - faultsBefore,
    loopP99Ms: loop.percentile(99) / 1e6,
  }
}

async function timeCurl(): Promise<number> {
  const started = performance.now()
  await promisify(execFile)('curl', ['--silent', '--fail', '--output', target, videoUrl])
  const seconds = (performance.now() - started) / 1000
  if (statSync(target).size !== SIZE) throw new Error('curl got a short file')
  rmSync(target)
  return seconds
}

const throughput = (seconds: number) => SIZE / MIB / seconds
const clientRates: number[] = []
const curlRates: number[] = []
let rssGrowth = 0
let loopP99Ms = 0
try {
  // One round of each, not counted: the server's file cache and the client's compiled hot loop warm up,
  // as they are in an app that downloads videos all day.
  await timeClient()
  await timeCurl()
  for (let round = 1; round <= ROUNDS; round++) {
    const ours = await timeClient()
    clientRates.push(throughput(ours.seconds))
    rssGrowth = Math.max(rssGrowth, ours.rssGrowth)
    loopP99Ms = Math.max(loopP99Ms, ours.loopP99Ms)
    console.info(
      `round ${round} client: ${throughput(ours.seconds).toFixed(0)} MiB/s, rss growth ${(ours.rssGrowth / MIB).toFixed(1)} MiB, ${ours.pageFaults} page faults, event loop p99 ${ours.loopP99Ms.toFixed(1)} ms`,
    )
    const theirs = await timeCurl()
    curlRates.push(throughput(theirs))
    console.info(`round ${round} curl:   ${throughput(theirs).toFixed(0)} MiB/s`)
  }
} finally {
  server.child.kill('SIGTERM')
  rmSync(folder, { recursive: true, force: true })
}
const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length
console.info(
  `download: ratio_vs_curl=${(mean(clientRates) / mean(curlRates)).toFixed(2)} rss_growth_mib=${(rssGrowth / MIB).toFixed(1)} loop_p99_ms=${loopP99Ms.toFixed(1)}`,
)
process.exit(0)
