import { createStore } from 'zustand/vanilla'
import type { RaoApi } from '../../../shared/api'
import type { AppErrorShape } from '../../../shared/errors'
import type { LostCopies, Snapshot, VideoState } from '../../../shared/media'

export interface CaseVideo {
  url: string
  state: VideoState
}

export interface MediaState {
  /** Each opened case's video: where it plays from and how far its download is. */
  videos: ReadonlyMap<number, CaseVideo>
  snapshots: ReadonlyMap<number, readonly Snapshot[]>
  /** The last failure of opening, cancelling or a snapshot, per case. */
  problems: ReadonlyMap<number, AppErrorShape>
  /** Saved copies lost with the media key, told by the open of this case that found it gone. */
  lostCopies: ReadonlyMap<number, LostCopies>
  /** Where each case's video was when its player went away (the lock, say): it starts there again. */
  positions: ReadonlyMap<number, number>
  keepPosition(videoidPk: number, seconds: number): void
  open(videoidPk: number): Promise<void>
  /** Asks main to download a case's video ahead, for when the officer opens it next. */
  prefetch(videoidPk: number): Promise<void>
  cancel(videoidPk: number): Promise<void>
  loadSnapshots(videoidPk: number): Promise<void>
  saveSnapshot(videoidPk: number, videoTimeSeconds: number, png: string): Promise<boolean>
  /** The video cache's size, once asked for. */
  cache: { videos: number; bytes: number } | { error: AppErrorShape } | null
  loadCache(): Promise<void>
  /** Answers the bytes freed, or null when clearing failed (the failure is in `cache`). */
  clearCache(): Promise<number | null>
}

const withEntry = <K, V>(map: ReadonlyMap<K, V>, key: K, value: V | undefined) => {
  const next = new Map(map)
  if (value === undefined) next.delete(key)
  else next.set(key, value)
  return next
}

export function createMediaStore(api: RaoApi) {
  /** States pushed per case: an event may overtake the answer to the call that started the download. */
  const pushed = new Map<number, number>()
  const store = createStore<MediaState>()((set, get) => {
    const fail = (videoidPk: number, error: AppErrorShape) =>
      set({ problems: withEntry(get().problems, videoidPk, error) })
    const setVideo = (videoidPk: number, video: CaseVideo) =>
      set({
        videos: withEntry(get().videos, videoidPk, video),
        problems: withEntry(get().problems, videoidPk, undefined),
      })
    return {
      videos: new Map(),
      snapshots: new Map(),
      problems: new Map(),
      lostCopies: new Map(),
      positions: new Map(),
      keepPosition: (videoidPk, seconds) =>
        set({ positions: withEntry(get().positions, videoidPk, seconds) }),
      cache: null,
      async loadCache() {
        const result = await api.getVideoCache()
        set({ cache: result.ok ? result.value : { error: result.error } })
      },
      async clearCache() {
        const result = await api.clearVideoCache()
        if (!result.ok) {
          set({ cache: { error: result.error } })
          return null
        }
        // Cleared videos play no more from the cache: the cases' next opening downloads them again.
        set({ videos: new Map() })
        await get().loadCache()
        return result.value.freedBytes
      },
      async open(videoidPk) {
        const before = pushed.get(videoidPk) ?? 0
        const result = await api.openVideo({ videoidPk })
        if (!result.ok) {
          fail(videoidPk, result.error)
          return
        }
        const newer = (pushed.get(videoidPk) ?? 0) > before ? get().videos.get(videoidPk)?.state : undefined
        setVideo(videoidPk, { url: result.value.url, state: newer ?? result.value.state })
        const { lostCopies } = result.value
        if (lostCopies) {
          set({ lostCopies: withEntry(get().lostCopies, videoidPk, lostCopies) })
          // The case's snapshots went with the key: list what is left.
          await get().loadSnapshots(videoidPk)
        }
      },
      async prefetch(videoidPk) {
        // Whatever main answers (started, saved already, switched off), nothing changes on screen.
        await api.prefetchVideo({ videoidPk })
      },
      async cancel(videoidPk) {
        const result = await api.cancelVideo({ videoidPk })
        const video = get().videos.get(videoidPk)
        if (!result.ok) fail(videoidPk, result.error)
        else if (video) setVideo(videoidPk, { ...video, state: result.value })
      },
      async loadSnapshots(videoidPk) {
        const result = await api.listSnapshots({ videoidPk })
        if (result.ok) set({ snapshots: withEntry(get().snapshots, videoidPk, result.value) })
        else fail(videoidPk, result.error)
      },
      async saveSnapshot(videoidPk, videoTimeSeconds, png) {
        const result = await api.saveSnapshot({ videoidPk, videoTimeSeconds, png })
        if (!result.ok) {
          fail(videoidPk, result.error)
          return false
        }
        const taken = [...(get().snapshots.get(videoidPk) ?? []), result.value]
        set({ snapshots: withEntry(get().snapshots, videoidPk, taken) })
        return true
      },
    }
  })
  api.onVideoProgress(({ videoidPk, state }) => {
    pushed.set(videoidPk, (pushed.get(videoidPk) ?? 0) + 1)
    const url = store.getState().videos.get(videoidPk)?.url ?? ''
    store.setState({ videos: withEntry(store.getState().videos, videoidPk, { url, state }) })
  })
  return store
}

export type MediaStore = ReturnType<typeof createMediaStore>
