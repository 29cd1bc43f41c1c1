import { createApi, type RaoApi } from '../../shared/api'
import type { InvokeName } from '../../shared/contract'
import type { IpcResult } from '../../shared/errors'

type Answers = Partial<Record<InvokeName, () => Promise<IpcResult<unknown>>>>

/** What screens may ask for without the test caring: an empty case book, video cache and journal. */
const defaults: Answers = {
  getVideoCache: async () => ({ ok: true, value: { videos: 0, bytes: 0 } }),
  getJournal: async () => ({ ok: true, value: { entries: [], chain: { ok: true } } }),
  getCaseBook: async () => ({
    ok: true,
    value: { state: 'open', cases: [], sync: { running: false, online: true } },
  }),
}

/** A `window.rao` for component tests: built by the real `createApi`, answering from the test's table. */
export function fakeApi(answers: Answers): RaoApi & { calls: InvokeName[]; inputs: unknown[] } {
  const calls: InvokeName[] = []
  const inputs: unknown[] = []
  const api = createApi(
    async (name, input) => {
      calls.push(name)
      inputs.push(input)
      const answer = answers[name] ?? defaults[name]
      if (!answer) throw new Error(`the test gave no answer for ${name}`)
      return answer()
    },
    () => () => undefined,
  )
  return Object.assign(Object.create(api), { calls, inputs }) as RaoApi & {
    calls: InvokeName[]
    inputs: unknown[]
  }
}
