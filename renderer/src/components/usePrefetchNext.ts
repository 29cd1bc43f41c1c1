import { useEffect, useMemo } from 'react'
import { nextPendingCase } from '../queue/queue-model'
import { useCases, useMedia } from '../stores/context'
import { useTwoStepMode } from '../views/TeamNotices'

/**
 * While a case is on screen, the next pending case's video downloads in the background, so that it
 * plays at once when the officer gets to it. Main decides whether it may (the setting, the cache's
 * room) and stops the download ahead of any case that is no longer next.
 */
export function usePrefetchNext(current: number): void {
  const twoStepMode = useTwoStepMode()
  const rows = useCases((state) => state.rows)
  const next = useMemo(
    () => nextPendingCase(rows, current, twoStepMode)?.videoidPk,
    [rows, current, twoStepMode],
  )
  const prefetch = useMedia((state) => state.prefetch)
  useEffect(() => {
    if (next !== undefined) void prefetch(next)
  }, [next, prefetch])
}
