import pg, { type ClientConfig } from 'pg'
import type { AppError } from '../../shared/errors'
import type { TeamLinkState } from '../../shared/team'
import type { Logger } from '../log'
import { teamError } from './errors'
import { requireSchema } from './schema'

export interface LinkOptions {
  config: ClientConfig
  /** A change was announced (or the poll came round): read what changed. */
  onWake: () => void
  /** Connected, schema checked, listening: catch up before saying online. */
  onConnected: (client: pg.Client) => Promise<void>
  onState: (state: TeamLinkState) => void
  log: Logger
  backoff?: { firstMs: number; maxMs: number }
  /** A look without a notification, every so often: it also finds a connection that died silently. */
  pollMs?: number
}

/**
 * The desk's live connection to the team database: connects, checks the
 * schema, listens, catches up, and when the connection is lost starts again with backoff (doubling, with
 * jitter so that desks do not come back in step), until closed.
 */
export function createLink(options: LinkOptions) {
  const backoff = options.backoff ?? { firstMs: 250, maxMs: 10_000 }
  let client: pg.Client | undefined
  let failures = 0
  let retry: NodeJS.Timeout | undefined
  let poll: NodeJS.Timeout | undefined
  let closed = false
  let connecting = false
  /** Connections whose loss was already handled: an error and an end event come for one loss. */
  const handled = new WeakSet<pg.Client>()

  function down(problem: AppError | null) {
    const delay = Math.min(backoff.maxMs, backoff.firstMs * 2 ** failures) * (0.8 + Math.random() * 0.4)
    failures++
    options.onState({
      online: false,
      problem: problem ? problem.toShape() : null,
      retryInMs: Math.round(delay),
    })
    clearTimeout(retry)
    retry = setTimeout(connect, delay)
  }

  /** Drops a connection that failed, once, and schedules the next try. */
  function lost(which: pg.Client, error?: unknown) {
    if (which !== client || handled.has(which)) return
    handled.add(which)
    client = undefined
    clearInterval(poll)
    which.removeAllListeners('notification')
    which.end().catch(() => undefined)
    if (closed) return
    const problem = teamError(error ?? new Error('Connection terminated'))
    options.log.warn('team database connection lost', { code: problem.code })
    down(problem)
  }

  async function connect() {
    if (closed || client || connecting) return
    connecting = true
    const next = new pg.Client(options.config)
    next.on('error', (error) => lost(next, error))
    next.on('end', () => lost(next))
    try {
      await next.connect()
      await requireSchema(next)
      await next.query('LISTEN rao_team')
      next.on('notification', () => options.onWake())
      if (closed) throw new Error('closed')
      client = next
      await options.onConnected(next)
      if (client !== next) return
      failures = 0
      poll = setInterval(options.onWake, options.pollMs ?? 15_000)
      options.onState({ online: true })
    } catch (error) {
      const problem = teamError(error)
      const first = !handled.has(next)
      handled.add(next)
      if (client === next) client = undefined
      next.removeAllListeners('notification')
      await next.end().catch(() => undefined)
      if (!closed && first) {
        options.log.warn('team database unavailable', { code: problem.code })
        down(problem)
      }
    } finally {
      connecting = false
    }
  }

  return {
    start: () => void connect(),
    /** The live connection, when there is one; reads of the changes go through it. */
    client: () => client,
    /** A read on the live connection failed: treat the connection as lost. */
    fail: (which: pg.Client, error: unknown) => lost(which, error),
    async close() {
      closed = true
      clearTimeout(retry)
      clearInterval(poll)
      const last = client
      client = undefined
      await last?.end().catch(() => undefined)
    },
  }
}
