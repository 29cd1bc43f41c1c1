import keytar from '@github/keytar'
import type { Clock, TouchId } from '../../../main/lock/lock-service'
import type { EventName } from '../../../shared/channels'
import { FakePowerMonitor } from '../../support/power-monitor'
import { OFFICER, servicesFor, type TestWorld } from '../vault/fixtures'

export const LUCIA = { videoidPk: 16673, requestPk: 923056, check: 'lucia.garcia@example.org' } // VIDEOREVIEW
export const JAVIER = { videoidPk: 16674, requestPk: 923057, check: '30918274H' } // VIDEOREVIEW
export const MINUTE = 60_000

/**
 * A clock that stands still until the test moves it, running the timers that fall due on the way.
 * `advance` moves time itself (both clocks); `setWallBy` moves only the wall clock, as an officer, a
 * wrong NTP answer or a dead RTC battery would, which the monotonic clock does not see.
 */
export function fakeClock(start = Date.parse('2026-11-02T09:00:00Z')) {
  let elapsed = 0
  let wallOffset = 0
  let ids = 0
  const timers = new Map<number, { at: number; callback: () => void }>()
  return {
    now: () => start + wallOffset + elapsed,
    monotonic: () => elapsed,
    setTimeout: (callback: () => void, ms: number) => {
      timers.set(++ids, { at: elapsed + ms, callback })
      return ids
    },
    clearTimeout: (id: unknown) => void timers.delete(id as number),
    advance(ms: number) {
      const end = elapsed + ms
      for (;;) {
        const [id, due] =
          [...timers].filter(([, timer]) => timer.at <= end).sort((a, b) => a[1].at - b[1].at)[0] ?? []
        if (id === undefined || !due) break
        timers.delete(id)
        elapsed = due.at
        due.callback()
      }
      elapsed = end
    },
    setWallBy(ms: number) {
      wallOffset += ms
    },
  } satisfies Clock & { advance(ms: number): void; setWallBy(ms: number): void }
}
export type FakeClock = ReturnType<typeof fakeClock>

export interface Desk {
  app: ReturnType<typeof servicesFor>
  clock: FakeClock
  powerMonitor: FakePowerMonitor
  events: { name: EventName; payload: unknown }[]
}

/** The app's services on the test's world, with a fake clock and power monitor; set up with two cases unless said. */
export async function desk(
  world: TestWorld,
  options: { touchId?: TouchId; setUp?: boolean; clock?: FakeClock } = {},
): Promise<Desk> {
  const clock = options.clock ?? fakeClock()
  const powerMonitor = new FakePowerMonitor()
  const events: Desk['events'] = []
  const app = servicesFor(
    world.dataDir,
    world.service,
    world.simulator.url,
    (name, payload) => events.push({ name, payload }),
    { clock, powerMonitor, ...(options.touchId ? { touchId: options.touchId } : {}) },
  )
  if (options.setUp !== false) {
    await app.handlers.setUpCredentials(OFFICER)
    await app.handlers.addCases({
      text: [LUCIA, JAVIER].map((item) => `${item.videoidPk},${item.requestPk},${item.check}`).join('\n'),
    })
  }
  return { app, clock, powerMonitor, events }
}

/** The journal's lock entries: event, cause, officer. */
export async function lockEntries(app: ReturnType<typeof servicesFor>) {
  const { entries } = await app.handlers.getJournal(undefined)
  return entries.flatMap((entry) =>
    entry.type === 'lock' ? [[entry.event, entry.cause, entry.officer]] : [],
  )
}

/** The lock's record as the keychain holds it, parsed; null where there is none. */
export async function lockRecord(keychainService: string): Promise<unknown> {
  const text = await keytar.getPassword(`${keychainService}.lock`, 'desk-lock')
  return text === null ? null : JSON.parse(text)
}
