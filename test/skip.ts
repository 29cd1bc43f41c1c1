import type { TestContext } from 'vitest'

declare module 'vitest' {
  interface TaskMeta {
    /** Why the test was skipped, for the suite's closing summary. */
    skipReason?: string
  }
}

/** Skips a test and says why, in the report that the suite's summary reads. */
export function skipBecause(context: TestContext, reason: string): never {
  context.task.meta.skipReason = reason
  return context.skip(reason)
}
