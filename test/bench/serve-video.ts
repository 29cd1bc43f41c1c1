import { startSimulator } from '../simulator/server'

// Serves one file as a Video ID's video, in its own process so the benchmark measures only the client.
const file = process.argv[2]
if (!file) throw new Error('usage: serve-video.ts <file>')
const simulator = await startSimulator({ seed: true })
const [target, warmUp] = [...simulator.state.cases.values()].filter((candidate) => candidate.video)
if (!target || !warmUp) throw new Error('the simulator has no cases with videos')
simulator.attachVideo(target.videoidPk, file)
const answer = { url: simulator.url, videoidPk: target.videoidPk, warmUpPk: warmUp.videoidPk }
process.stdout.write(`${JSON.stringify(answer)}\n`)
process.on('SIGTERM', () => void simulator.close().then(() => process.exit(0)))
