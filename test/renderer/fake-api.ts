import { createApi, type RaoApi } from '../../shared/api'
import type { InvokeName } from '../../shared/contract'
import type { IpcResult } from '../../shared/errors'

type Answers = Partial<Record<InvokeName, () => Promise<IpcResult<unknown>>>>

/** A `window.rao` for component tests: built by the real `createApi`, answering from the test's table. */
export function fakeApi(answers: Answers): RaoApi & { calls: InvokeName[] } {
  const calls: InvokeName[] = []
  const api = createApi(
    async (name) => {
      calls.push(name)
      const answer = answers[name]
      if (!answer) throw new Error(`the test gave no answer for ${name}`)
      return answer()
    },
    () => () => undefined,
  )
  return Object.assign(Object.create(api), { calls }) as RaoApi & { calls: InvokeName[] }
}
