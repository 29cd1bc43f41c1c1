import { type RefObject, useEffect, useId } from 'react'
import { useTranslation } from 'react-i18next'
import { Announcer } from '../../components/ErrorMessage'
import type { Camera } from './useCamera'

/** The camera (and microphone) on or off, the devices to choose from, the live view and what went wrong. */
export function CameraPanel({
  camera,
  audio,
  video,
}: {
  camera: Camera
  audio: boolean
  video: RefObject<HTMLVideoElement | null>
}) {
  const { t } = useTranslation()
  const ids = { camera: useId(), microphone: useId() }
  const { stream, devices, chosen, problem, starting } = camera
  useEffect(() => {
    if (video.current) video.current.srcObject = stream
  }, [stream, video])
  return (
    <div className="camera">
      <div className="actions">
        {stream ? (
          <button type="button" onClick={camera.stop}>
            {t('capture.cameraOff')}
          </button>
        ) : (
          <button type="button" disabled={starting} onClick={() => void camera.start(chosen)}>
            {audio ? t('capture.cameraAndMicrophoneOn') : t('capture.cameraOn')}
          </button>
        )}
      </div>
      {stream && (
        <div className="camera-devices">
          <div className="field">
            <label htmlFor={ids.camera}>{t('capture.camera')}</label>
            <select
              id={ids.camera}
              value={chosen.camera ?? ''}
              onChange={(event) => void camera.start({ ...chosen, camera: event.target.value })}
            >
              {devices.cameras.map((device) => (
                <option key={device.id} value={device.id}>
                  {device.label}
                </option>
              ))}
            </select>
          </div>
          {audio && (
            <div className="field">
              <label htmlFor={ids.microphone}>{t('capture.microphone')}</label>
              <select
                id={ids.microphone}
                value={chosen.microphone ?? ''}
                onChange={(event) => void camera.start({ ...chosen, microphone: event.target.value })}
              >
                {devices.microphones.map((device) => (
                  <option key={device.id} value={device.id}>
                    {device.label}
                  </option>
                ))}
              </select>
            </div>
          )}
        </div>
      )}
      <video
        ref={video}
        className="live"
        autoPlay
        muted
        playsInline
        hidden={!stream}
        aria-label={t('capture.liveView')}
      />
      <Announcer urgent>
        {problem && <p className="notice notice-error">{t(`capture.cameraProblems.${problem}`)}</p>}
      </Announcer>
    </div>
  )
}
