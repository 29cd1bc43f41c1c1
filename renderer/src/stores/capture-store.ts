import { createStore } from 'zustand/vanilla'
import type { RaoApi } from '../../../shared/api'
import type { Capture, CaptureProgress } from '../../../shared/capture'
import type { Case } from '../../../shared/cases'
import type { AppErrorShape, IpcResult } from '../../../shared/errors'

export type CaptureLoad =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'ready' }
  | { status: 'failed'; error: AppErrorShape }

type Input<N extends keyof RaoApi> = RaoApi[N] extends (input: infer I) => unknown ? I : never
/** An input without the case: the store adds the capture screen's own. */
type OfCapture<N extends keyof RaoApi> = Omit<NonNullable<Input<N>>, 'videoidPk'>

export interface CaptureState {
  /** The capture on screen, as main last answered it. */
  capture: Capture | null
  load: CaptureLoad
  /** The upload under way: the evidences, then the video's bytes. */
  progress: CaptureProgress['state'] | null
  /** The case as the upload left it: the capture is on the Optimizer, and gone from this computer. */
  uploaded: Case | null
  open(videoidPk: number): Promise<void>
  close(): Promise<void>
  /** Each change answers null, or the error main gave: the step shows it by its field. */
  save(input: OfCapture<'saveCapture'>): Promise<AppErrorShape | null>
  saveImage(input: OfCapture<'saveCaptureImage'>): Promise<AppErrorShape | null>
  removeImage(input: OfCapture<'removeCaptureImage'>): Promise<AppErrorShape | null>
  startVideo(input: OfCapture<'startCaptureVideo'>): Promise<IpcResult<{ take: string }>>
  appendVideo(input: OfCapture<'appendCaptureVideo'>): Promise<IpcResult<{ bytes: number }>>
  endVideo(input: OfCapture<'endCaptureVideo'>): Promise<AppErrorShape | null>
  discardVideo(): Promise<AppErrorShape | null>
  upload(): Promise<IpcResult<{ case: Case }>>
  cancelUpload(): Promise<void>
  abandon(): Promise<AppErrorShape | null>
}

/** The capture screen's case and what main holds of it; main keeps it sealed, the page only shows it. */
export function createCaptureStore(api: RaoApi) {
  const store = createStore<CaptureState>()((set, get) => {
    const pk = () => {
      const capture = get().capture
      if (!capture) throw new Error('no capture is open')
      return capture.videoidPk
    }
    const take = (result: IpcResult<Capture>) => {
      if (result.ok) set({ capture: result.value })
      return result.ok ? null : result.error
    }
    const reread = async (videoidPk: number) => {
      const result = await api.openCapture({ videoidPk })
      if (result.ok) set({ capture: result.value })
    }
    return {
      capture: null,
      load: { status: 'idle' },
      progress: null,
      uploaded: null,
      async open(videoidPk) {
        set({ capture: null, load: { status: 'loading' }, progress: null, uploaded: null })
        const result = await api.openCapture({ videoidPk })
        set(
          result.ok
            ? { capture: result.value, load: { status: 'ready' } }
            : { load: { status: 'failed', error: result.error } },
        )
      },
      async close() {
        set({ capture: null, load: { status: 'idle' }, progress: null, uploaded: null })
        await api.closeCapture()
      },
      save: async (input) => take(await api.saveCapture({ videoidPk: pk(), ...input })),
      saveImage: async (input) => take(await api.saveCaptureImage({ videoidPk: pk(), ...input })),
      removeImage: async (input) => take(await api.removeCaptureImage({ videoidPk: pk(), ...input })),
      startVideo: (input) => api.startCaptureVideo({ videoidPk: pk(), ...input }),
      appendVideo: (input) => api.appendCaptureVideo({ videoidPk: pk(), ...input }),
      endVideo: async (input) => take(await api.endCaptureVideo({ videoidPk: pk(), ...input })),
      discardVideo: async () => take(await api.discardCaptureVideo({ videoidPk: pk() })),
      async upload() {
        const videoidPk = pk()
        const result = await api.uploadCapture({ videoidPk })
        // A failed upload leaves the capture, and the journal says where each part stands now.
        if (result.ok) set({ uploaded: result.value.case, progress: null })
        else await reread(videoidPk)
        return result
      },
      async cancelUpload() {
        await api.cancelCaptureUpload({ videoidPk: pk() })
      },
      async abandon() {
        const result = await api.abandonCapture({ videoidPk: pk() })
        if (result.ok) set({ capture: null })
        return result.ok ? null : result.error
      },
    }
  })
  api.onCaptureProgress(({ videoidPk, state }) => {
    if (store.getState().capture?.videoidPk === videoidPk)
      store.setState({ progress: state.phase === 'idle' ? null : state })
  })
  return store
}

export type CaptureStore = ReturnType<typeof createCaptureStore>
