import { useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { capturePrompts, VIDEO_LIMITS, type VideoType } from '../../../../shared/capture'
import type { AppErrorShape } from '../../../../shared/errors'
import { base64Of } from '../../components/base64'
import { Announcer, ErrorMessage } from '../../components/ErrorMessage'
import { formatClock, formatSize } from '../../components/format'
import { isTyping } from '../../components/typing'
import { useCapture } from '../../stores/context'
import { CameraPanel } from './CameraPanel'
import { ConfirmDialog } from './ConfirmDialog'
import { useCamera } from './useCamera'
import { useRecorder } from './useRecorder'

const typeName = (type: VideoType) => (type === 'video/webm' ? 'WebM' : 'MP4')

/** The video: recorded here with the camera and microphone, prompts and a timer, or chosen from a file. */
export function VideoStep({ locked }: { locked: boolean }) {
  const { t, i18n } = useTranslation()
  const recording = useCapture((state) => state.capture?.recording)
  const discardVideo = useCapture((state) => state.discardVideo)
  const [confirming, setConfirming] = useState(false)
  const [failure, setFailure] = useState<AppErrorShape | null>(null)

  if (recording?.ended) {
    const ending = recording.ended
    return (
      <div>
        {/* biome-ignore lint/a11y/useMediaCaption: a recording just made here has no caption track to give */}
        <video className="capture-preview" controls src={recording.url} aria-label={t('capture.preview')} />
        <p>
          {recording.source === 'file'
            ? t('capture.recordedFile', { size: formatSize(recording.bytes), type: typeName(recording.type) })
            : t('capture.recorded', {
                duration: formatClock((recording.durationMs ?? 0) / 1000),
                size: formatSize(recording.bytes),
                type: `${typeName(recording.type)}${recording.codecs ? ` (${recording.codecs})` : ''}`,
              })}
        </p>
        {(ending === 'device_lost' || ending === 'failed' || ending === 'interrupted') && (
          <p className="notice notice-warning">{t(`capture.endings.${ending}`)}</p>
        )}
        {recording.prompts.length > 0 && (
          <>
            <h3>{t('capture.promptsShown')}</h3>
            <ol className="plain prompts-shown">
              {recording.prompts.map((shown) => (
                <li key={`${shown.prompt}-${shown.atMs}`}>
                  <span className="prompt-time">{formatClock(shown.atMs / 1000)}</span>{' '}
                  {t(`capture.prompts.${shown.prompt}`)}
                </li>
              ))}
            </ol>
          </>
        )}
        <p className="muted">
          {t('capture.recordedAt', { time: new Date(recording.startedAt).toLocaleString(i18n.language) })}
        </p>
        {!locked && (
          <div className="actions">
            <button type="button" onClick={() => setConfirming(true)}>
              {t('capture.recordAgain')}
            </button>
          </div>
        )}
        <ConfirmDialog
          open={confirming}
          question={t('capture.confirmRecordAgain')}
          yes={t('capture.confirmRecordAgainYes')}
          no={t('capture.keepIt')}
          onYes={async () => {
            setConfirming(false)
            setFailure(await discardVideo())
          }}
          onClose={() => setConfirming(false)}
        />
        {failure && <ErrorMessage error={failure} />}
      </div>
    )
  }
  return locked ? null : <Recording />
}

function Recording() {
  const { t } = useTranslation()
  const camera = useCamera(true)
  const video = useRef<HTMLVideoElement>(null)
  const recorder = useRecorder(camera)
  const { state } = recorder
  const recording = state.status === 'recording'
  const [elapsed, setElapsed] = useState(0)
  useEffect(() => {
    if (state.status !== 'recording') return
    const tick = () => setElapsed(performance.now() - state.startedAt)
    tick()
    const timer = setInterval(tick, 250)
    return () => clearInterval(timer)
  }, [state])

  // R starts and stops, N moves to the next prompt, wherever the focus is but in a field.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return
      const key = event.key.toLowerCase()
      if (key === 'r' && state.status === 'recording') recorder.stop()
      else if (key === 'r' && state.status === 'idle' && camera.stream) void recorder.start()
      else if (key === 'n' && state.status === 'recording') recorder.nextPrompt()
      else return
      event.preventDefault()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [state, camera.stream, recorder])

  return (
    <div>
      <p>{t('capture.videoIntro')}</p>
      <CameraPanel camera={camera} audio video={video} />
      {camera.stream && !recorder.format && <p className="notice notice-error">{t('capture.noRecorder')}</p>}
      {camera.stream && recorder.format && (
        <p className="muted">
          {t('capture.format', {
            type: `${typeName(recorder.format.type)} (${recorder.format.codecs})`,
          })}
        </p>
      )}
      {recording && (
        <div className="recording-panel">
          <p className="prompt" role="status" aria-live="assertive">
            <span className="prompt-count">
              {t('capture.promptOf', { n: state.prompt + 1, total: capturePrompts.length })}
            </span>
            {t(`capture.prompts.${capturePrompts[state.prompt] ?? 'turn_head'}`)}
          </p>
          <p className="timer">
            <span className="recording-dot" aria-hidden="true" />
            {t('capture.recording')}{' '}
            <span role="timer" aria-label={t('capture.timer')}>
              {formatClock(elapsed / 1000)}
            </span>
          </p>
        </div>
      )}
      <div className="actions">
        {recording ? (
          <>
            <button type="button" className="danger" onClick={recorder.stop}>
              {t('capture.stop')} <kbd>R</kbd>
            </button>
            <button
              type="button"
              disabled={state.prompt >= capturePrompts.length - 1}
              onClick={recorder.nextPrompt}
            >
              {t('capture.nextPrompt')} <kbd>N</kbd>
            </button>
          </>
        ) : (
          <button
            type="button"
            className="primary"
            disabled={!camera.stream || !recorder.format || state.status !== 'idle'}
            onClick={() => void recorder.start()}
          >
            {state.status === 'stopping' ? t('capture.stopping') : t('capture.record')} <kbd>R</kbd>
          </button>
        )}
      </div>
      <Announcer urgent>
        {recorder.failure && <ErrorMessage error={recorder.failure} live={false} />}
      </Announcer>
      {!recording && state.status === 'idle' && <VideoFile />}
    </div>
  )
}

/** What a video file's first bytes say it is: WebM, MP4, or neither. */
function typeOfVideo(head: Uint8Array): VideoType | undefined {
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return 'video/webm'
  if (String.fromCharCode(...head.subarray(4, 8)) === 'ftyp') return 'video/mp4'
  return undefined
}

/** A video chosen from a file, kept piece by piece like a recording, never whole in the page. */
function VideoFile() {
  const { t } = useTranslation()
  const startVideo = useCapture((state) => state.startVideo)
  const beforeClose = useCapture((state) => state.beforeClose)
  const input = useRef<HTMLInputElement>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const [failure, setFailure] = useState<AppErrorShape | null>(null)
  const [percent, setPercent] = useState<number | null>(null)

  const keep = async (file: File) => {
    setProblem(null)
    setFailure(null)
    if (file.size > VIDEO_LIMITS.maxBytes) {
      setProblem(t('capture.videoTooLarge', { limit: formatSize(VIDEO_LIMITS.maxBytes) }))
      return
    }
    const type = typeOfVideo(new Uint8Array(await file.slice(0, 12).arrayBuffer()))
    if (!type || !file.size) {
      setProblem(t('capture.videoNotVideo'))
      return
    }
    const started = await startVideo({ type, source: 'file' })
    if (!started.ok) {
      setFailure(started.error)
      return
    }
    const take = started.value
    // Leaving the screen stops keeping the file: part of a file is no use, and the file is still where it was.
    let left = false
    let kept: () => void = () => undefined
    const done = new Promise<void>((resolve) => (kept = resolve))
    const withdraw = beforeClose(async () => {
      left = true
      await done
    })
    setPercent(0)
    let failure: AppErrorShape | null = null
    for (
      let at = 0, index = 0;
      at < file.size && !left && !failure;
      at += VIDEO_LIMITS.filePieceBytes, index++
    ) {
      const piece = new Uint8Array(await file.slice(at, at + VIDEO_LIMITS.filePieceBytes).arrayBuffer())
      const result = await take.append({ index, data: base64Of(piece) })
      if (result.ok) setPercent(Math.round(((at + piece.length) / file.size) * 100))
      else failure = result.error
    }
    if (left || failure) await take.discard()
    else failure = await take.end({ ended: 'file', prompts: [] })
    setFailure(failure)
    setPercent(null)
    withdraw()
    kept()
  }

  return (
    <div className="video-file">
      <p className="muted">{t('capture.orFile')}</p>
      <div className="actions">
        <button type="button" disabled={percent !== null} onClick={() => input.current?.click()}>
          {t('capture.chooseVideo')}
        </button>
        <input
          ref={input}
          type="file"
          accept="video/mp4,video/webm"
          hidden
          tabIndex={-1}
          aria-label={t('capture.chooseVideo')}
          onChange={(event) => {
            const chosen = event.target.files?.[0]
            event.target.value = ''
            if (chosen) void keep(chosen)
          }}
        />
      </div>
      <div aria-live="polite">
        {percent !== null && (
          <p className="progress">
            <progress max={100} value={percent} aria-label={t('capture.keepingFile')} />{' '}
            {t('capture.keepingFilePercent', { percent })}
          </p>
        )}
      </div>
      <p className="field-error" aria-live="polite">
        {problem ?? ''}
      </p>
      {failure && <ErrorMessage error={failure} />}
    </div>
  )
}
