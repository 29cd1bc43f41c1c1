import { createApi, type RaoApi } from '../../shared/api'
import type { EventName, InvokeName } from '../../shared/contract'
import type { IpcResult } from '../../shared/errors'

type Answers = Partial<Record<InvokeName, () => Promise<IpcResult<unknown>>>>

/** What screens may ask for without the test caring: an empty case book, video cache and journal; team mode off. */
const defaults: Answers = {
  getLockState: async () => ({ ok: true, value: { locked: false, officer: '', touchId: false } }),
  reportActivity: async () => ({ ok: true, value: null }),
  getVideoCache: async () => ({ ok: true, value: { videos: 0, bytes: 0 } }),
  getJournal: async () => ({ ok: true, value: { entries: [], integrity: { state: 'verified' } } }),
  getTeam: async () => ({
    ok: true,
    value: {
      status: {
        enabled: false,
        url: '',
        user: '',
        passwordSaved: false,
        desk: 'desk-000000000000',
        link: null,
        settings: null,
        admin: false,
      },
      cases: [],
    },
  }),
  getCaseBook: async () => ({
    ok: true,
    value: { state: 'open', rows: [], changes: 0, sync: { running: false, online: true } },
  }),
  prefetchVideo: async () => ({ ok: true, value: { outcome: 'started' } }),
}

type FakeApi = RaoApi & {
  calls: InvokeName[]
  inputs: unknown[]
  /** Pushes an event to the page, as main would. */
  emit(name: EventName, payload: unknown): void
}

/** A `window.rao` for component tests: built by the real `createApi`, answering from the test's table. */
export function fakeApi(answers: Answers): FakeApi {
  const calls: InvokeName[] = []
  const inputs: unknown[] = []
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>()
  const api = createApi(
    async (name, input) => {
      calls.push(name)
      inputs.push(input)
      const answer = answers[name] ?? defaults[name]
      if (!answer) throw new Error(`the test gave no answer for ${name}`)
      return answer()
    },
    (name, listener) => {
      const set = listeners.get(name) ?? new Set()
      listeners.set(name, set.add(listener))
      return () => set.delete(listener)
    },
  )
  const emit = (name: EventName, payload: unknown) => {
    for (const listener of listeners.get(name) ?? []) listener(payload)
  }
  return Object.assign(Object.create(api), { calls, inputs, emit }) as FakeApi
}
