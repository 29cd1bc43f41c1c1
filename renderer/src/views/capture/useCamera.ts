import { useCallback, useEffect, useRef, useState } from 'react'

/** Why the camera (or microphone) gives nothing, in words the step shows. */
export type CameraProblem = 'no_camera' | 'denied' | 'busy' | 'unavailable' | 'failed' | 'lost'

export interface Devices {
  cameras: { id: string; label: string }[]
  microphones: { id: string; label: string }[]
}

function problemOf(error: unknown): CameraProblem {
  const name = error instanceof DOMException ? error.name : ''
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'no_camera'
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'denied'
  if (name === 'NotReadableError' || name === 'AbortError') return 'busy'
  return 'failed'
}

/**
 * The camera, and the microphone where asked for: turned on by the officer, the devices chosen from a
 * list once the system lets their names be read, off again when the step closes. A device that stops
 * (unplugged) is told, with `onLost` for whoever records from it.
 */
export function useCamera(audio: boolean) {
  const [stream, setStream] = useState<MediaStream | null>(null)
  const [devices, setDevices] = useState<Devices>({ cameras: [], microphones: [] })
  const [chosen, setChosen] = useState<{ camera?: string; microphone?: string }>({})
  const [problem, setProblem] = useState<CameraProblem | null>(null)
  const [starting, setStarting] = useState(false)
  const current = useRef<MediaStream | null>(null)
  const lostListeners = useRef(new Set<() => void>())

  const stop = useCallback(() => {
    for (const track of current.current?.getTracks() ?? []) track.stop()
    current.current = null
    setStream(null)
  }, [])

  const start = useCallback(
    async (choice: { camera?: string; microphone?: string } = {}) => {
      if (!navigator.mediaDevices?.getUserMedia) {
        setProblem('unavailable')
        return
      }
      stop()
      setStarting(true)
      setProblem(null)
      try {
        const opened = await navigator.mediaDevices.getUserMedia({
          video: choice.camera ? { deviceId: { exact: choice.camera } } : true,
          audio: audio ? (choice.microphone ? { deviceId: { exact: choice.microphone } } : true) : false,
        })
        current.current = opened
        for (const track of opened.getTracks())
          track.addEventListener('ended', () => {
            if (current.current !== opened) return
            setProblem('lost')
            for (const listener of lostListeners.current) listener()
          })
        const listed = await navigator.mediaDevices.enumerateDevices()
        const named = (kind: MediaDeviceKind) =>
          listed
            .filter((device) => device.kind === kind)
            .map((device, index) => ({ id: device.deviceId, label: device.label || `${kind} ${index + 1}` }))
        setDevices({ cameras: named('videoinput'), microphones: named('audioinput') })
        setChosen({
          camera: opened.getVideoTracks()[0]?.getSettings().deviceId,
          microphone: opened.getAudioTracks()[0]?.getSettings().deviceId,
        })
        setStream(opened)
      } catch (error) {
        setProblem(problemOf(error))
      } finally {
        setStarting(false)
      }
    },
    [audio, stop],
  )

  useEffect(() => stop, [stop])

  /** Told when a device of the stream stops while it is in use. */
  const onLost = useCallback((listener: () => void) => {
    lostListeners.current.add(listener)
    return () => void lostListeners.current.delete(listener)
  }, [])

  /** The devices' names as the recording keeps them. */
  const labels = () => ({
    ...(stream?.getVideoTracks()[0]?.label ? { camera: stream.getVideoTracks()[0]?.label } : {}),
    ...(stream?.getAudioTracks()[0]?.label ? { microphone: stream.getAudioTracks()[0]?.label } : {}),
  })

  return { stream, devices, chosen, problem, starting, start, stop, onLost, labels }
}

export type Camera = ReturnType<typeof useCamera>
