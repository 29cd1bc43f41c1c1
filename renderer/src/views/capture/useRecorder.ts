import { useCallback, useEffect, useRef, useState } from 'react'
import { type CapturePrompt, capturePrompts, type VideoType } from '../../../../shared/capture'
import type { AppErrorShape, IpcResult } from '../../../../shared/errors'
import { base64Of } from '../../components/base64'
import { useCapture } from '../../stores/context'
import type { Camera } from './useCamera'

/** How long each prompt shows before the next, unless the officer moves on sooner. */
export const PROMPT_MS = 6000
/** The recorder hands over a piece this often: what a crash can lose at most. */
const SLICE_MS = 1000

/** MP4 with H.264 and AAC where the recorder has them (what the API's own samples send), WebM otherwise. */
const FORMATS: { type: VideoType; codecs: string }[] = [
  { type: 'video/mp4', codecs: 'avc1.42E01E,mp4a.40.2' },
  { type: 'video/mp4', codecs: 'avc1,mp4a.40.2' },
  { type: 'video/webm', codecs: 'vp9,opus' },
  { type: 'video/webm', codecs: 'vp8,opus' },
]
const mimeOf = ({ type, codecs }: { type: VideoType; codecs: string }) => `${type};codecs=${codecs}`
export const recorderFormat = () =>
  typeof MediaRecorder === 'undefined'
    ? undefined
    : FORMATS.find((format) => MediaRecorder.isTypeSupported(mimeOf(format)))

type Ending = 'stopped' | 'device_lost' | 'failed'
interface Session {
  recorder: MediaRecorder
  startedAt: number
  stoppedAt?: number
  ended?: Ending
  prompts: { prompt: CapturePrompt; atMs: number }[]
  /** Resolves once the recording's end reached main (or main said why not). */
  done: Promise<void>
}

export type RecorderState =
  | { status: 'idle' }
  | { status: 'recording'; prompt: number; promptSince: number; startedAt: number }
  | { status: 'stopping' }

/**
 * Sends a recording's pieces to main in order, one at a time, each sealed to disk there before the next.
 * A piece whose answer was lost is sent again (main keeps it once); any other failure stops the sending.
 */
function sender(
  send: (index: number, data: string) => Promise<IpcResult<unknown>>,
  onFailure: (error: AppErrorShape) => void,
) {
  let next = 0
  let failed = false
  let chain: Promise<void> = Promise.resolve()
  return {
    push(piece: Blob) {
      const index = next++
      chain = chain.then(async () => {
        if (failed) return
        const data = base64Of(new Uint8Array(await piece.arrayBuffer()))
        for (let attempt = 1; ; attempt++) {
          const result = await send(index, data)
          if (result.ok) return
          if (result.error.code === 'internal' && attempt < 3) continue
          failed = true
          onFailure(result.error)
          return
        }
      })
    },
    done: () => chain,
  }
}

/**
 * Records the camera's stream with `MediaRecorder`, a piece a second straight to main, with the prompts
 * shown one after the other and the time each was shown kept with the recording. A device that stops,
 * a recorder that fails, or a piece main cannot keep ends the recording; what was kept stays.
 */
export function useRecorder(camera: Camera) {
  const startVideo = useCapture((state) => state.startVideo)
  const beforeClose = useCapture((state) => state.beforeClose)
  const [state, setState] = useState<RecorderState>({ status: 'idle' })
  const [failure, setFailure] = useState<AppErrorShape | null>(null)
  const session = useRef<Session | null>(null)

  const show = useCallback((current: Session, prompt: number) => {
    const now = performance.now()
    current.prompts.push({
      prompt: capturePrompts[prompt] ?? 'turn_head',
      atMs: Math.round(now - current.startedAt),
    })
    setState({ status: 'recording', prompt, promptSince: now, startedAt: current.startedAt })
  }, [])

  /** Stops the recording under way; resolves once its end reached main. */
  const finish = useCallback((ended: Ending): Promise<void> => {
    const current = session.current
    if (!current) return Promise.resolve()
    if (current.recorder.state !== 'inactive') {
      current.ended ??= ended
      current.stoppedAt ??= performance.now()
      setState({ status: 'stopping' })
      current.recorder.stop()
    }
    return current.done
  }, [])

  const start = useCallback(async () => {
    const stream = camera.stream
    const format = recorderFormat()
    if (!stream || !format || session.current) return
    setFailure(null)
    const started = await startVideo({ ...format, source: 'camera', devices: camera.labels() })
    if (!started.ok) {
      setFailure(started.error)
      return
    }
    const take = started.value
    const recorder = new MediaRecorder(stream, { mimeType: mimeOf(format) })
    let ended: () => void = () => undefined
    const current: Session = {
      recorder,
      startedAt: 0,
      prompts: [],
      done: new Promise((resolve) => (ended = resolve)),
    }
    // Each piece carries the prompts shown so far: a recording cut off (the desk locked) keeps their times.
    const pieces = sender(
      (index, data) => take.append({ index, data, prompts: [...current.prompts] }),
      (error) => {
        setFailure(error)
        void finish('failed')
      },
    )
    session.current = current
    // Leaving the screen (Back, Esc, the lock) ends the recording before the screen closes.
    const withdraw = beforeClose(() => finish('stopped'))
    recorder.ondataavailable = (event) => {
      if (event.data.size) pieces.push(event.data)
    }
    recorder.onerror = () => void finish('failed')
    recorder.onstop = async () => {
      await pieces.done()
      const durationMs = Math.round((current.stoppedAt ?? performance.now()) - current.startedAt)
      const error = await take.end({
        ended: current.ended ?? 'stopped',
        durationMs,
        prompts: current.prompts,
      })
      if (error) setFailure(error)
      session.current = null
      setState({ status: 'idle' })
      withdraw()
      ended()
    }
    recorder.start(SLICE_MS)
    current.startedAt = performance.now()
    show(current, 0)
  }, [camera, startVideo, beforeClose, finish, show])

  const nextPrompt = useCallback(() => {
    const current = session.current
    if (current && state.status === 'recording' && state.prompt < capturePrompts.length - 1)
      show(current, state.prompt + 1)
  }, [state, show])

  // Each prompt moves on by itself after a while; the last stays until the officer stops.
  useEffect(() => {
    if (state.status !== 'recording' || state.prompt >= capturePrompts.length - 1) return
    const timer = setTimeout(nextPrompt, Math.max(0, state.promptSince + PROMPT_MS - performance.now()))
    return () => clearTimeout(timer)
  }, [state, nextPrompt])

  useEffect(() => camera.onLost(() => void finish('device_lost')), [camera.onLost, finish])
  // Leaving the step mid-recording stops it; what was recorded is kept.
  useEffect(() => () => void finish('stopped'), [finish])

  return {
    state,
    failure,
    start,
    stop: () => void finish('stopped'),
    nextPrompt,
    format: recorderFormat(),
  }
}
