import { useEffect, useId, useLayoutEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { VideoState } from '../../../shared/media'
import { ErrorMessage, RetryableError } from '../components/ErrorMessage'
import { formatClock, formatSize } from '../components/format'
import { isOwnKey, isTyping } from '../components/typing'
import { useMedia } from '../stores/context'

export const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 2] as const
const SEEK_SECONDS = 5
/** Until the video shows its frame rate (while it plays), a frame is taken to last this long. */
const DEFAULT_FRAME_SECONDS = 1 / 30

/**
 * The case's video: downloaded through main and played from main's media protocol as it arrives,
 * with the controls an officer needs and the keyboard for each of them.
 */
export function Player({ videoidPk, onHelp }: { videoidPk: number; onHelp: () => void }) {
  const { t } = useTranslation()
  const video = useMedia((state) => state.videos.get(videoidPk))
  const problem = useMedia((state) => state.problems.get(videoidPk))
  const lostCopies = useMedia((state) => state.lostCopies.get(videoidPk))
  const open = useMedia((state) => state.open)
  const cancel = useMedia((state) => state.cancel)
  const saveSnapshot = useMedia((state) => state.saveSnapshot)
  const keepPosition = useMedia((state) => state.keepPosition)
  const startAt = useMedia((state) => state.positions.get(videoidPk))
  const element = useRef<HTMLVideoElement>(null)
  const frame = useRef<HTMLDivElement>(null)
  const frameSeconds = useRef(DEFAULT_FRAME_SECONDS)
  const [playing, setPlaying] = useState(false)
  const [time, setTime] = useState(0)
  const [duration, setDuration] = useState(0)
  const [speed, setSpeed] = useState(1)
  const [unplayable, setUnplayable] = useState(false)
  const [snapshotNote, setSnapshotNote] = useState('')
  const seekId = useId()
  const state = video?.state
  // Asked of the media protocol once the first bytes are in: a case the Optimizer has no video for
  // then says so in words, not as a broken player.
  const playable = state?.status === 'ready' || (state?.status === 'downloading' && state.bytes > 0)

  useEffect(() => {
    void open(videoidPk)
  }, [open, videoidPk])

  // Learns the frame rate from the frames themselves while the video plays.
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new URL is a new <video> element to watch
  useEffect(() => {
    const media = element.current
    if (!media || !('requestVideoFrameCallback' in media)) return
    let last: number | undefined
    let handle = 0
    const onFrame = (_now: number, meta: VideoFrameCallbackMetadata) => {
      if (last !== undefined && meta.mediaTime > last) {
        frameSeconds.current = Math.min(frameSeconds.current, meta.mediaTime - last)
      }
      last = meta.mediaTime
      handle = media.requestVideoFrameCallback(onFrame)
    }
    handle = media.requestVideoFrameCallback(onFrame)
    return () => media.cancelVideoFrameCallback(handle)
  }, [video?.url])

  // The player going away (the desk locks, the officer goes back) pauses the video and keeps its place.
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new URL, or the first playable bytes, is a new <video> element
  useLayoutEffect(() => {
    const media = element.current
    if (!media) return
    return () => {
      media.pause()
      keepPosition(videoidPk, media.currentTime)
    }
  }, [video?.url, playable, keepPosition, videoidPk])

  const actions = {
    togglePlay: () => {
      const media = element.current
      if (!media) return
      if (media.paused) void media.play().catch(() => undefined)
      else media.pause()
    },
    seekBy: (seconds: number) => {
      const media = element.current
      if (media) media.currentTime = Math.min(Math.max(0, media.currentTime + seconds), media.duration || 0)
    },
    step: (frames: number) => {
      const media = element.current
      if (!media) return
      media.pause()
      media.currentTime = Math.max(0, media.currentTime + frames * frameSeconds.current)
    },
    changeSpeed: (direction: number) => {
      const index = SPEEDS.indexOf(speed as (typeof SPEEDS)[number])
      const next = SPEEDS[Math.min(Math.max(index + direction, 0), SPEEDS.length - 1)] ?? 1
      setSpeed(next)
    },
    fullScreen: () => {
      if (document.fullscreenElement) void document.exitFullscreen()
      else void frame.current?.requestFullscreen().catch(() => undefined)
    },
    snapshot: async () => {
      const media = element.current
      if (!media || media.videoWidth === 0) return
      const canvas = document.createElement('canvas')
      canvas.width = media.videoWidth
      canvas.height = media.videoHeight
      canvas.getContext('2d')?.drawImage(media, 0, 0)
      const png = canvas.toDataURL('image/png').split(',')[1] ?? ''
      const saved = await saveSnapshot(videoidPk, media.currentTime, png)
      setSnapshotNote(saved ? t('player.snapshotSaved', { time: formatClock(media.currentTime) }) : '')
    },
  }
  const latest = useRef(actions)
  latest.current = actions

  useEffect(() => {
    if (element.current) element.current.playbackRate = speed
  }, [speed])

  // The player's keys, wherever the focus is on the case, except in a field or on a control's own key.
  useEffect(() => {
    const keys = new Map<string, () => void>([
      [' ', () => latest.current.togglePlay()],
      ['ArrowLeft', () => latest.current.seekBy(-SEEK_SECONDS)],
      ['ArrowRight', () => latest.current.seekBy(SEEK_SECONDS)],
      [',', () => latest.current.step(-1)],
      ['.', () => latest.current.step(1)],
      ['[', () => latest.current.changeSpeed(-1)],
      [']', () => latest.current.changeSpeed(1)],
      ['f', () => latest.current.fullScreen()],
      ['s', () => void latest.current.snapshot()],
      ['?', onHelp],
    ])
    const onKey = (event: KeyboardEvent) => {
      const action = keys.get(event.key)
      if (!action || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return
      if (isOwnKey(event)) return
      if (document.querySelector('dialog[open]')) return
      event.preventDefault()
      action()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [onHelp])

  if (problem && !video) {
    return (
      <section className="card player" aria-label={t('player.title')}>
        {problem.code.startsWith('keychain_') ? (
          // As the credentials screen shows a keychain that cannot be used: no other place is offered.
          <>
            <ErrorMessage error={problem} />
            <p className="muted">{t('player.keychainNoFallback')}</p>
            <button type="button" onClick={() => void open(videoidPk)}>
              {t('common.retry')}
            </button>
          </>
        ) : (
          <RetryableError error={problem} onRetry={() => void open(videoidPk)} />
        )}
      </section>
    )
  }
  return (
    <section className="card player" aria-labelledby={`${seekId}-title`}>
      <h2 id={`${seekId}-title`}>{t('player.title')}</h2>
      <div className="frame" ref={frame}>
        {video?.url && playable && (
          // biome-ignore lint/a11y/useMediaCaption: the signer's recorded Video ID has no captions to offer
          <video
            ref={element}
            src={video.url}
            crossOrigin="anonymous"
            preload="auto"
            playsInline
            aria-label={t('player.video')}
            onPlay={() => setPlaying(true)}
            onPause={() => setPlaying(false)}
            onTimeUpdate={(event) => setTime(event.currentTarget.currentTime)}
            onSeeked={(event) => setTime(event.currentTarget.currentTime)}
            onDurationChange={(event) => setDuration(event.currentTarget.duration)}
            onLoadedMetadata={(event) => {
              event.currentTarget.playbackRate = speed
              if (startAt) event.currentTarget.currentTime = startAt
              setUnplayable(false)
            }}
            onError={() => setUnplayable(true)}
          />
        )}
      </div>
      {lostCopies && (
        <p className="notice" role="status">
          {t('player.copiesLost', lostCopies)}
        </p>
      )}
      {unplayable && playable && (
        <p className="notice notice-error" role="alert">
          {t('player.unplayable')}
        </p>
      )}
      <Download state={state} onCancel={() => void cancel(videoidPk)} onRetry={() => void open(videoidPk)} />
      <div className="controls">
        <button type="button" onClick={actions.togglePlay} aria-keyshortcuts="Space">
          {playing ? t('player.pause') : t('player.play')}
        </button>
        <button type="button" onClick={() => actions.step(-1)} aria-keyshortcuts=",">
          {t('player.frameBack')}
        </button>
        <button type="button" onClick={() => actions.step(1)} aria-keyshortcuts=".">
          {t('player.frameForward')}
        </button>
        <label className="seek" htmlFor={seekId}>
          <span className="visually-hidden">{t('player.position')}</span>
          <input
            id={seekId}
            type="range"
            min={0}
            max={duration || 0}
            step="any"
            value={time}
            aria-valuetext={t('player.positionText', {
              time: formatClock(time),
              duration: formatClock(duration),
            })}
            onChange={(event) => {
              if (element.current) element.current.currentTime = Number(event.target.value)
            }}
          />
        </label>
        <span className="time" aria-hidden="true">
          {formatClock(time)} / {formatClock(duration)}
        </span>
        <label className="speed">
          {t('player.speed')}
          <select
            value={speed}
            onChange={(event) => setSpeed(Number(event.target.value))}
            aria-keyshortcuts="[ ]"
          >
            {SPEEDS.map((value) => (
              <option key={value} value={value}>
                {value}×
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={actions.fullScreen} aria-keyshortcuts="F">
          {t('player.fullScreen')}
        </button>
        <button type="button" onClick={() => void actions.snapshot()} aria-keyshortcuts="S">
          {t('player.snapshot')}
        </button>
        <button type="button" onClick={onHelp} aria-keyshortcuts="?">
          {t('player.help')}
        </button>
      </div>
      <p role="status" className="muted">
        {snapshotNote}
      </p>
      {problem && video && <ErrorMessage error={problem} />}
    </section>
  )
}

function Download({
  state,
  onCancel,
  onRetry,
}: {
  state: VideoState | undefined
  onCancel: () => void
  onRetry: () => void
}) {
  const { t } = useTranslation()
  if (!state) {
    return (
      <p role="status" className="muted">
        {t('player.opening')}
      </p>
    )
  }
  if (state.status === 'downloading') {
    return (
      <div className="download" role="status">
        <progress value={state.bytes} max={state.total ?? undefined} aria-label={t('player.downloading')} />
        <span>
          {state.total === undefined
            ? t('player.progressUnknown', { bytes: formatSize(state.bytes) })
            : t('player.progress', { bytes: formatSize(state.bytes), total: formatSize(state.total) })}{' '}
          · {t('player.speedNow', { rate: formatSize(state.bytesPerSecond) })}
        </span>
        <button type="button" onClick={onCancel}>
          {t('player.cancel')}
        </button>
      </div>
    )
  }
  if (state.status === 'ready') {
    return (
      <p role="status" className="muted">
        {t('player.cached', { size: formatSize(state.bytes) })}
      </p>
    )
  }
  if (state.status === 'failed' && state.error.code === 'media_damaged') {
    return (
      <div>
        <ErrorMessage error={state.error} />
        <button type="button" onClick={onRetry}>
          {t('player.downloadAgain')}
        </button>
      </div>
    )
  }
  return (
    <div>
      {state.status === 'failed' ? (
        <ErrorMessage error={state.error} title={t('player.downloadFailed')} />
      ) : (
        <p className="muted">{t('player.cancelled')}</p>
      )}
      <button type="button" onClick={onRetry}>
        {t('player.download')}
      </button>
    </div>
  )
}
