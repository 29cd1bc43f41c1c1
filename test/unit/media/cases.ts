import { createMediaHandler } from '../../../main/media/media-protocol'
import type { VideoState } from '../../../shared/media'
import type { TestWorld } from '../vault/fixtures'
import { servicesFor } from '../vault/fixtures'

export const LUCIA = { videoidPk: 16673, requestPk: 923056 } // VIDEOREVIEW, signer-a.mp4
export const DIEGO = { videoidPk: 16678, requestPk: 923061 } // VIDEOPENDING, no video yet
export const JAVIER = { videoidPk: 16674, requestPk: 923057 } // VIDEOREVIEW, signer-b.mp4

/**
 * The app's services on the test's world with three cases in the book, main's media protocol on them,
 * and every video state they pushed.
 */
export async function withCases(
  world: TestWorld,
  now?: () => Date,
  extra: Pick<Parameters<typeof servicesFor>[4] & object, 'cacheFreeBytes'> = {},
) {
  const states: { videoidPk: number; state: VideoState }[] = []
  const app = servicesFor(
    world.dataDir,
    world.service,
    world.simulator.url,
    (name, payload) => name === 'videoProgress' && states.push(payload as (typeof states)[number]),
    { ...(now ? { now } : {}), ...extra },
  )
  await app.handlers.addCases({
    text: [LUCIA, DIEGO, JAVIER].map((item) => `${item.videoidPk},${item.requestPk}`).join('\n'),
  })
  const handler = createMediaHandler({ video: app.video })
  const get = (pathname: string, range?: string) =>
    handler(new Request(`rao-media://media${pathname}`, range ? { headers: { range } } : {}))
  /** The first state pushed for a case's video, from the `from`th on, that is not a download under way. */
  const settled = async (videoidPk: number, from = 0) => {
    for (let tries = 0; tries < 1000; tries++) {
      const found = states
        .slice(from)
        .find((event) => event.videoidPk === videoidPk && event.state.status !== 'downloading')
      if (found) return found.state
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    throw new Error('the download never ended')
  }
  return { app, get, settled, states }
}

export type Cases = Awaited<ReturnType<typeof withCases>>
