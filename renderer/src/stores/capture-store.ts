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
/** An input of a take under way: the take adds its case and its own id. */
type OfTake<N extends keyof RaoApi> = Omit<NonNullable<Input<N>>, 'videoidPk' | 'take'>

/**
 * A video being kept, piece by piece: bound to its case when it started, so that its last pieces and its
 * end reach main whatever the screen shows by then.
 */
export interface Take {
  take: string
  append(input: OfTake<'appendCaptureVideo'>): Promise<IpcResult<{ bytes: number }>>
  end(input: OfTake<'endCaptureVideo'>): Promise<AppErrorShape | null>
  discard(): Promise<AppErrorShape | null>
}

/** The parts of a capture a step saves whole, with one button. */
export type StepPart = 'acceptance' | 'document' | 'checks'
export type PartInput<P extends StepPart> = NonNullable<OfCapture<'saveCapture'>[P]>

/**
 * A step's save, kept here rather than in the step: a step left mid-save and opened again finds it still
 * under way, and what was sent.
 */
export interface StepSave<P extends StepPart> {
  busy: boolean
  /** What the last save sent, until main holds it: under way, or refused (the step shows it again). */
  sent: PartInput<P> | null
  /** What became of the last save: cleared as the next one starts. */
  outcome: 'saved' | AppErrorShape | null
}
type StepSaves = { [P in StepPart]?: StepSave<P> }

export interface CaptureState {
  /** The capture on screen, as main last answered it. */
  capture: Capture | null
  load: CaptureLoad
  /** The upload under way: the evidences, then the video's bytes. */
  progress: CaptureProgress['state'] | null
  /** The case as the upload left it: the capture is on the Optimizer, and gone from this computer. */
  uploaded: Case | null
  /** Opens the capture screen on a case, once the screen before it has finished closing. */
  open(videoidPk: number): Promise<void>
  /** Closes the capture screen: what is being kept (a recording) is ended first, then main is told. */
  close(): Promise<void>
  /**
   * Work the screen finishes before it closes: `finish` stops it and resolves once its end reached main.
   * Answers the call that withdraws it, once it ended on its own.
   */
  beforeClose(finish: () => Promise<void>): () => void
  /** Each step's save on the capture on screen. */
  steps: StepSaves
  /**
   * Saves one step's part: one save at a time per part, a second asked for meanwhile is not sent (read
   * from here, not from a screen that may not have drawn the first yet). Its outcome lands in `steps`.
   */
  saveStep<P extends StepPart>(part: P, value: PartInput<P>): Promise<void>
  /** Each change answers null, or the error main gave: the step shows it by its field. */
  saveImage(input: OfCapture<'saveCaptureImage'>): Promise<AppErrorShape | null>
  removeImage(input: OfCapture<'removeCaptureImage'>): Promise<AppErrorShape | null>
  startVideo(input: OfCapture<'startCaptureVideo'>): Promise<IpcResult<Take>>
  discardVideo(): Promise<AppErrorShape | null>
  upload(options?: { resendConfirmed: true }): Promise<IpcResult<{ case: Case }>>
  cancelUpload(): Promise<void>
  abandon(): Promise<AppErrorShape | null>
}

/** The capture screen's case and what main holds of it; main keeps it sealed, the page only shows it. */
export function createCaptureStore(api: RaoApi) {
  /** Work to finish before the screen closes (a recording's last pieces and end). */
  const finishing = new Set<() => Promise<void>>()
  /** The screen closing, until main was told: a screen opening waits for it. */
  let closing: Promise<void> = Promise.resolve()

  const store = createStore<CaptureState>()((set, get) => {
    const pk = () => {
      const capture = get().capture
      if (!capture) throw new Error('no capture is open')
      return capture.videoidPk
    }
    /** Takes main's answer on a case: shown where it is still the case on screen. */
    const take = (videoidPk: number, result: IpcResult<Capture>) => {
      if (result.ok && get().capture?.videoidPk === videoidPk) set({ capture: result.value })
      return result.ok ? null : result.error
    }
    const ofScreen = async (call: (videoidPk: number) => Promise<IpcResult<Capture>>) => {
      const videoidPk = pk()
      return take(videoidPk, await call(videoidPk))
    }
    const reread = async (videoidPk: number) => take(videoidPk, await api.openCapture({ videoidPk }))
    return {
      capture: null,
      load: { status: 'idle' },
      progress: null,
      uploaded: null,
      steps: {},
      async open(videoidPk) {
        await closing
        set({ capture: null, load: { status: 'loading' }, progress: null, uploaded: null, steps: {} })
        const result = await api.openCapture({ videoidPk })
        set(
          result.ok
            ? { capture: result.value, load: { status: 'ready' } }
            : { load: { status: 'failed', error: result.error } },
        )
      },
      close() {
        closing = (async () => {
          await Promise.all([...finishing].map((finish) => finish()))
          // A save still under way is main's to finish: it keeps a capture's changes in order, so the
          // capture opened again is read after it.
          set({ capture: null, load: { status: 'idle' }, progress: null, uploaded: null, steps: {} })
          await api.closeCapture()
        })()
        return closing
      },
      beforeClose(finish) {
        finishing.add(finish)
        return () => void finishing.delete(finish)
      },
      async saveStep(part, value) {
        const videoidPk = pk()
        if (get().steps[part]?.busy) return
        const step = (save: StepSave<typeof part>) => ({ steps: { ...get().steps, [part]: save } })
        set(step({ busy: true, sent: value, outcome: null }))
        const result = await api.saveCapture({ videoidPk, [part]: value })
        if (get().capture?.videoidPk !== videoidPk) return
        // The capture and the step's save change together: the step never sees the one without the other.
        set({
          ...(result.ok ? { capture: result.value } : {}),
          ...step(
            result.ok
              ? { busy: false, sent: null, outcome: 'saved' }
              : { busy: false, sent: value, outcome: result.error },
          ),
        })
      },
      saveImage: (input) => ofScreen((videoidPk) => api.saveCaptureImage({ videoidPk, ...input })),
      removeImage: (input) => ofScreen((videoidPk) => api.removeCaptureImage({ videoidPk, ...input })),
      async startVideo(input) {
        const videoidPk = pk()
        const started = await api.startCaptureVideo({ videoidPk, ...input })
        if (!started.ok) return started
        const { take: id } = started.value
        return {
          ok: true,
          value: {
            take: id,
            append: (piece) => api.appendCaptureVideo({ videoidPk, take: id, ...piece }),
            end: async (ending) =>
              take(videoidPk, await api.endCaptureVideo({ videoidPk, take: id, ...ending })),
            discard: async () => take(videoidPk, await api.discardCaptureVideo({ videoidPk })),
          },
        }
      },
      discardVideo: () => ofScreen((videoidPk) => api.discardCaptureVideo({ videoidPk })),
      async upload(options) {
        const videoidPk = pk()
        const result = await api.uploadCapture({ videoidPk, ...options })
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
