import { createCheckedEmit } from '../../../main/ipc'
import { createLogger } from '../../../main/log'
import type { EventName } from '../../../shared/contract'
import type { TeamCaseView } from '../../../shared/team'
import { cleanKeychain, newDataDir, OFFICER, servicesFor, testService } from '../vault/fixtures'
import { type Officer, waitFor } from './fixtures'

// The simulator's seeded signers, each with the check the RA's own system gives for its pair.
export const ONE_STEP = '16673,923056,lucia.garcia@example.org'
export const TWO_STEP = '16674,923057,30918274H'
export const OTHER = '16675,923058,+34 699 870 112'

export interface Desk {
  app: ReturnType<typeof servicesFor>
  dataDir: string
  service: string
  /** Every event the desk pushed to its page, as the contract lets it through, with when. */
  events: { name: EventName; payload: unknown; at: number }[]
  /** The case as this desk's page last heard of it. */
  seen(videoidPk: number): TeamCaseView | undefined
  close(): Promise<void>
}

/**
 * A desk as main builds it (the app's services on a data folder and keychain service of its own), with
 * the simulator's officer set up, and team mode on as `officer` unless `join` is false.
 */
export async function openDesk(
  simulatorUrl: string,
  /** The team database's address, as a desk is given it. */
  url: string,
  officer: Officer,
  options: { join?: boolean; leaseSeconds?: number; dataDir?: string; service?: string } = {},
): Promise<Desk> {
  const dataDir = options.dataDir ?? newDataDir()
  const service = options.service ?? testService()
  const events: Desk['events'] = []
  const emit = createCheckedEmit(
    (name, payload) => events.push({ name, payload, at: performance.now() }),
    createLogger(() => undefined),
  )
  const app = servicesFor(dataDir, service, simulatorUrl, emit, {
    team: {
      backoff: { firstMs: 100, maxMs: 500 },
      ...(options.leaseSeconds ? { leaseSeconds: options.leaseSeconds } : {}),
    },
  })
  if ((await app.handlers.getCredentialStatus(undefined)).state !== 'ready')
    await app.handlers.setUpCredentials(OFFICER)
  app.start()
  if (options.join !== false) {
    if (!app.team.status().enabled)
      await app.handlers.saveTeamSetup({
        enabled: true,
        url,
        user: officer.role,
        password: officer.password,
      })
    await waitFor(() => app.team.status().link?.online, 15_000)
  }
  const seen = (videoidPk: number) => {
    for (let index = events.length - 1; index >= 0; index--) {
      const event = events[index]
      if (event?.name !== 'teamCasesChanged') continue
      const { cases, full } = event.payload as { cases: TeamCaseView[]; full: boolean }
      const found = cases.find((item) => item.videoidPk === videoidPk)
      if (found || full) return found
    }
    return undefined
  }
  let closed = false
  return {
    app,
    dataDir,
    service,
    events,
    seen,
    async close() {
      if (closed) return
      closed = true
      await app.close()
      if (!options.service) await cleanKeychain(service)
    },
  }
}

/** Milliseconds until `what` holds, failing after a second: what the issue asks of the live feed. */
export async function withinASecond(what: () => unknown): Promise<number> {
  const started = performance.now()
  await waitFor(what, 1_000)
  return performance.now() - started
}

export const pkOf = (line: string) => Number(line.split(',')[0])

/** Like `waitFor`, for a check that has to wait for an answer itself. */
export async function eventually<T>(
  what: () => Promise<T | undefined | false>,
  timeoutMs = 5_000,
): Promise<T> {
  const started = Date.now()
  for (;;) {
    const value = await what()
    if (value) return value
    if (Date.now() - started > timeoutMs) throw new Error(`waited ${timeoutMs} ms in vain`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
