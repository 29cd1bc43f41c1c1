import { type DecisionEntry, decisionPhases, type JournalEntry } from '../../shared/decisions'
import { AppError } from '../../shared/errors'
import type { Journal } from '../decisions/journal'
import type { Logger } from '../log'
import type { KeyValueStore } from '../settings/settings-service'
import type { TeamStore } from './store'

const WATERMARK_KEY = 'teamJournalMirrored'
const OUTCOMES = new Set<string>(decisionPhases.filter((phase) => phase !== 'intended'))

/** What an entry of the local journal brings to its team journal entry: its number, seal and time. */
export const localOf = (entry: JournalEntry) =>
  entry.mac ? { local: { seq: entry.seq, mac: entry.mac, time: entry.time } } : {}

/**
 * The outcomes of team-mode decisions, carried from this desk's journal to the team's. The local journal
 * is the outbox: every outcome of an attempt whose intended entry went to the team journal is written
 * there too, in order, and written again until the database has it (each local entry once: the database
 * keeps the first of two writes). A watermark in the settings store says how far the local journal has
 * been carried, so a restart, a database away for hours or an answer lost between the send and the
 * write lose nothing. An outcome whose intended entry never reached the database has nothing to follow.
 */
export function createJournalMirror(options: {
  journal: Pick<Journal, 'entries' | 'load'>
  store: KeyValueStore
  team: () => TeamStore | undefined
  log: Logger
}) {
  const { journal, store, log } = options
  /** Team journal numbers of intended entries written in this run, by local number. */
  const intendedSeqs = new Map<number, number>()
  let running: Promise<void> | undefined
  let again = false

  const watermark = () => {
    const kept = store.get(WATERMARK_KEY)
    return typeof kept === 'number' && Number.isInteger(kept) && kept >= 0 ? kept : 0
  }

  async function carry(team: TeamStore, outcome: DecisionEntry & { attempt: number }): Promise<void> {
    const intendedSeq = intendedSeqs.get(outcome.attempt) ?? (await team.intendedSeqOf(outcome.attempt))
    if (intendedSeq === null) return
    await team.recordOutcome({
      intendedSeq,
      phase: outcome.phase as Exclude<DecisionEntry['phase'], 'intended'>,
      ...(outcome.errorCode ? { errorCode: outcome.errorCode.slice(0, 64) } : {}),
      ...(outcome.status && /^[A-Z_]{1,40}$/.test(outcome.status) ? { status: outcome.status } : {}),
      attempt: outcome.attempt,
      ...localOf(outcome),
    })
  }

  async function once(): Promise<void> {
    const team = options.team()
    if (!team) return
    await journal.load()
    const from = watermark()
    const teamAttempts = new Set<number>()
    let mark = from
    try {
      for (const entry of journal.entries()) {
        if (entry.type === 'decision' && entry.phase === 'intended' && entry.team) teamAttempts.add(entry.seq)
        if (entry.seq <= from) continue
        if (
          entry.type === 'decision' &&
          OUTCOMES.has(entry.phase) &&
          entry.attempt !== undefined &&
          teamAttempts.has(entry.attempt)
        ) {
          try {
            await carry(team, { ...entry, attempt: entry.attempt })
          } catch (error) {
            // Away: tried again when the database answers. Anything else would fail the same way again.
            if (error instanceof AppError && error.code === 'team_unreachable') throw error
            log.error('a decision outcome could not be written to the team journal', {
              seq: entry.seq,
              code: error instanceof AppError ? error.code : 'internal',
            })
          }
        }
        mark = entry.seq
      }
    } finally {
      if (mark > from) store.set(WATERMARK_KEY, mark)
    }
  }

  return {
    /** Remembers the team journal's number of an intended entry just written. */
    intended(localSeq: number, teamSeq: number): void {
      intendedSeqs.set(localSeq, teamSeq)
    },

    /** Carries what the team journal lacks; one run at a time, and one more for calls made during it. */
    run(): Promise<void> {
      if (running) {
        again = true
        return running
      }
      running = (async () => {
        do {
          again = false
          try {
            await once()
          } catch (error) {
            log.info('team journal not brought up to date yet', {
              code: error instanceof AppError ? error.code : 'internal',
            })
            return
          }
        } while (again)
      })().finally(() => {
        running = undefined
      })
      return running
    },
  }
}

export type JournalMirror = ReturnType<typeof createJournalMirror>
