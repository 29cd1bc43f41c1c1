// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { App } from '../../renderer/src/App'
import { initI18n } from '../../renderer/src/i18n'
import { createCaptureStore } from '../../renderer/src/stores/capture-store'
import { createStores, StoresProvider } from '../../renderer/src/stores/context'
import { type Capture, securityChecks } from '../../shared/capture'
import { type Case, rowOf } from '../../shared/cases'
import type { IpcResult } from '../../shared/errors'
import { defaultSettings } from '../../shared/settings'
import { fakeApi } from './fake-api'

// The capture screen's loading, refused, incomplete and uploading states, and what it sends, fed by a
// `window.rao` the real `createApi` built.
beforeAll(() => initI18n('en'))
afterEach(cleanup)

const ok = <T,>(value: T): Promise<IpcResult<T>> => Promise.resolve({ ok: true, value })
const ready = {
  environment: 'sandbox',
  state: 'ready',
  username: '9001800',
  rao: '1400',
  mode: 'credentials',
} as const
const created: Case = {
  videoidPk: 16690,
  requestPk: 923073,
  status: 'VIDEOPENDING',
  addedAt: '2026-11-30T09:00:00.000Z',
  gone: false,
  pairVerified: true,
  // What the case whole holds of the signer: the queue's row has no document country.
  person: {
    email: 'irene.quintanilla@example.org',
    mobilePhoneNumber: '+34 600 111 222',
    idDocumentCountry: 'ES',
  },
  note: '',
  sealedUnreadable: false,
}
const fresh: Capture = {
  videoidPk: 16690,
  requestPk: 923073,
  startedAt: '2026-11-30T09:05:00.000Z',
  images: {},
  missing: [
    'acceptance',
    'document_front',
    'document_rear',
    'document_photo',
    'document_owner',
    'document',
    'checks',
    'recording',
  ],
  upload: { evidences: 'pending', video: 'pending' },
}

function renderCapture(answers: Parameters<typeof fakeApi>[0]) {
  const api = fakeApi({
    getSettings: () =>
      ok({
        ...defaultSettings,
        privacyPolicyUrl: 'https://ra.example/privacy',
        termsUrl: 'https://ra.example/terms',
      }),
    getCredentialStatus: () => ok(ready),
    getCaseBook: () =>
      ok({ state: 'open', rows: [rowOf(created)], changes: 1, sync: { running: false, online: true } }),
    getCase: () => ok(created),
    closeCapture: () => ok(null),
    ...answers,
  })
  const stores = createStores(api)
  stores.navigation.getState().go({ name: 'capture', videoidPk: 16690 })
  render(
    <StoresProvider stores={stores}>
      <App />
    </StoresProvider>,
  )
  return api
}
const main = () => within(screen.getByRole('main'))

describe('the capture screen', () => {
  it('says it is opening, then starts on the first step to do', async () => {
    let release: (result: IpcResult<unknown>) => void = () => undefined
    renderCapture({ openCapture: () => new Promise((resolve) => (release = resolve)) })
    expect(await main().findByText('Opening the capture…')).toBeVisible()
    await act(async () => release({ ok: true, value: fresh }))
    expect(main().getByRole('heading', { name: 'Step 1: Acceptance' })).toBeVisible()
    expect(main().getByRole('button', { name: /1\. Acceptance/ })).toHaveAttribute('aria-current', 'step')
    expect(main().getByText('https://ra.example/privacy')).toBeVisible()
  })

  it('says why a Video ID cannot be captured here, and tries again on request', async () => {
    let attempts = 0
    const api = renderCapture({
      openCapture: () => {
        attempts++
        return Promise.resolve({ ok: false, error: { code: 'capture_not_allowed', message: 'x' } })
      },
    })
    expect(
      await main().findByText(
        /Only a Video ID created at this desk and waiting for its video is captured here/,
      ),
    ).toBeVisible()
    await userEvent.click(main().getByRole('button', { name: 'Try again' }))
    expect(attempts).toBe(2)
    expect(api.calls.filter((call) => call === 'saveCapture')).toEqual([])
  })

  it('sends no document data the API would refuse, and says which field is wrong', async () => {
    const api = renderCapture({ openCapture: () => ok(fresh) })
    await userEvent.click(await main().findByRole('button', { name: /3\. Document data/ }))
    // What the case whole holds of the signer is there already, its document's country too.
    expect(main().getByLabelText('Email')).toHaveValue('irene.quintanilla@example.org')
    expect(main().getByLabelText('Country of the document')).toHaveValue('ES')
    expect(api.calls).toContain('getCase')
    await userEvent.type(main().getByLabelText('Given name'), 'Irene')
    await userEvent.type(main().getByLabelText('Document number'), '73920416X')
    await userEvent.clear(main().getByLabelText('Country of the document'))
    await userEvent.type(main().getByLabelText('Country of the document'), 'E1')
    await userEvent.click(main().getByRole('button', { name: 'Save the data' }))
    expect(main().getByLabelText('First surname')).toHaveAttribute('aria-invalid', 'true')
    expect(main().getByText('Two letters, the country’s ISO code, as ES or IT.')).toBeVisible()
    expect(api.calls).not.toContain('saveCapture')
  })

  it('says what is missing and keeps the upload off; a complete capture uploads with progress, then offers the case', async () => {
    let finish: (result: IpcResult<unknown>) => void = () => undefined
    const api = renderCapture({
      openCapture: () => ok({ ...fresh, missing: ['document_photo', 'recording'] }),
      uploadCapture: () => new Promise((resolve) => (finish = resolve)),
      cancelCaptureUpload: () => ok({ cancelled: true }),
    })
    await userEvent.click(await main().findByRole('button', { name: /6\. Upload/ }))
    expect(main().getByText('Still missing: the photo on the document, the video.')).toBeVisible()
    expect(main().getByRole('button', { name: 'Upload to the Optimizer' })).toBeDisabled()
    cleanup()

    const complete = renderCapture({
      openCapture: () => ok({ ...fresh, missing: [] }),
      uploadCapture: () => new Promise((resolve) => (finish = resolve)),
      cancelCaptureUpload: () => ok({ cancelled: true }),
    })
    await userEvent.click(await main().findByRole('button', { name: /6\. Upload/ }))
    await userEvent.click(main().getByRole('button', { name: 'Upload to the Optimizer' }))
    act(() => complete.emit('captureProgress', { videoidPk: 16690, state: { phase: 'evidences' } }))
    expect(main().getByText('Sending the evidences…')).toBeVisible()
    act(() =>
      complete.emit('captureProgress', {
        videoidPk: 16690,
        state: { phase: 'video', bytes: 500_000, total: 2_000_000 },
      }),
    )
    const bar = main().getByRole('progressbar', { name: 'Upload of the video' })
    expect(bar).toHaveAttribute('value', '500000')
    expect(main().getByText('Sending the video: 500 kB of 2.0 MB')).toBeVisible()
    await userEvent.click(main().getByRole('button', { name: 'Cancel the upload' }))
    expect(complete.calls).toContain('cancelCaptureUpload')
    await act(async () => finish({ ok: true, value: { case: { ...created, status: 'VIDEOREVIEW' } } }))
    expect(main().getByText(/^Uploaded\. The Video ID is now: Video review\./)).toBeVisible()
    expect(main().getByRole('button', { name: 'Open the case' })).toBeVisible()
    expect(api.calls).not.toContain('uploadCapture')
  })

  it('reads the status before anything is sent again: an unknown part waits, one never confirmed asks first', async () => {
    const unknown: Capture = {
      ...fresh,
      missing: [],
      upload: { evidences: 'unknown', video: 'pending', settledBy: '2026-11-30T09:20:00.000Z' },
    }
    const api = renderCapture({ openCapture: () => ok(unknown) })
    await userEvent.click(await main().findByRole('button', { name: /6\. Upload/ }))
    expect(main().getByText(/^The last upload did not get a clear answer/)).toBeVisible()
    expect(main().getByRole('button', { name: 'Upload to the Optimizer' })).toBeEnabled()
    // Part of it may be on the Optimizer: it cannot be discarded.
    expect(main().queryByRole('button', { name: 'Discard this capture' })).toBeNull()
    cleanup()

    const unconfirmed: Capture = {
      ...fresh,
      missing: [],
      upload: { evidences: 'unconfirmed', video: 'pending' },
    }
    let uploads = 0
    const again = renderCapture({
      openCapture: () => ok(unconfirmed),
      uploadCapture: () => {
        uploads++
        return ok({ case: { ...created, status: 'VIDEOREVIEW' } })
      },
    })
    await userEvent.click(await main().findByRole('button', { name: /6\. Upload/ }))
    expect(main().getByText(/^The last upload was never confirmed by an answer/)).toBeVisible()
    const send = main().getByRole('button', { name: 'Upload to the Optimizer' })
    expect(send).toBeDisabled()
    await userEvent.click(
      main().getByLabelText(
        'I know that the earlier upload’s fate was never confirmed by an answer, and I send it again.',
      ),
    )
    await userEvent.click(send)
    expect(uploads).toBe(1)
    expect(again.inputs.at(again.calls.lastIndexOf('uploadCapture'))).toEqual({
      videoidPk: 16690,
      resendConfirmed: true,
    })
    expect(api.calls).not.toContain('uploadCapture')
  })
})

/** The capture screen on the fresh capture, main's answers to `saveCapture` given one at a time by the test. */
function renderHeldSaves() {
  const answers: ((result: IpcResult<unknown>) => void)[] = []
  const api = renderCapture({
    openCapture: () => ok(fresh),
    saveCapture: () => new Promise((resolve) => answers.push(resolve)),
  })
  const saves = () => api.calls.filter((call) => call === 'saveCapture').length
  /** Main's answer to the save asked for `at`th. */
  const answer = (at: number, result: IpcResult<unknown>) => act(async () => answers[at]?.(result))
  return { api, saves, answer }
}
const stepButton = (name: RegExp) => main().getByRole('button', { name })
const similarity = () => main().getByLabelText('Similarity of the face to the document’s photo')
const noChecks = Object.fromEntries(securityChecks.map((check) => [check, false]))
const refused: IpcResult<never> = { ok: false, error: { code: 'storage', message: 'ENOSPC' } }

describe('a capture step’s save', () => {
  it('sends one save for two submits in one task, and keeps its button off until main answers', async () => {
    const { saves, answer } = renderHeldSaves()
    await userEvent.click(await main().findByRole('button', { name: /4\. Checks/ }))
    await userEvent.type(similarity(), '80')
    const button = main().getByRole('button', { name: 'Save the checks' })
    // Both in one task: the second comes before the screen has drawn the first as under way.
    act(() => {
      fireEvent.submit(button.closest('form') as HTMLFormElement)
      fireEvent.submit(button.closest('form') as HTMLFormElement)
    })
    expect(saves()).toBe(1)
    expect(button).toBeDisabled()
    await answer(0, { ok: true, value: { ...fresh, checks: { ...noChecks, similarityLevel: 80 } } })
    expect(button).toBeEnabled()
    await userEvent.click(button)
    expect(saves()).toBe(2)
  })

  it('says why a save was refused, keeps what was sent when the step is left, and says "Saved." once one works', async () => {
    const { api, saves, answer } = renderHeldSaves()
    await userEvent.click(await main().findByRole('button', { name: /4\. Checks/ }))
    await userEvent.click(main().getByLabelText('The document is not a copy'))
    await userEvent.type(similarity(), '72')
    await userEvent.click(main().getByRole('button', { name: 'Save the checks' }))
    await answer(0, refused)
    expect(main().getByRole('alert')).toHaveTextContent(/could not be saved on this computer/)
    expect(main().queryByText('Saved.')).toBeNull()

    // Away and back: what was refused is there to send again, and why.
    await userEvent.click(stepButton(/3\. Document data/))
    await userEvent.click(stepButton(/4\. Checks/))
    expect(similarity()).toHaveValue(72)
    expect(main().getByLabelText('The document is not a copy')).toBeChecked()
    expect(main().getByRole('alert')).toHaveTextContent(/could not be saved on this computer/)

    // Sent again: the old error goes as it starts, not once it is answered.
    await userEvent.click(main().getByRole('button', { name: 'Save the checks' }))
    expect(saves()).toBe(2)
    expect(main().queryByRole('alert')).toBeNull()
    expect(api.inputs.at(api.calls.lastIndexOf('saveCapture'))).toEqual({
      videoidPk: 16690,
      checks: { ...noChecks, documentNotCopy: true, similarityLevel: 72 },
    })
    await answer(1, {
      ok: true,
      value: { ...fresh, missing: [], checks: { ...noChecks, documentNotCopy: true, similarityLevel: 72 } },
    })
    expect(main().getByText('Saved.')).toBeVisible()
    expect(main().queryByRole('alert')).toBeNull()
  })

  it('left mid-save and opened again: shows what is being saved, sends nothing more, and takes main’s values when it lands', async () => {
    const { api, saves, answer } = renderHeldSaves()
    await userEvent.click(await main().findByRole('button', { name: /3\. Document data/ }))
    await userEvent.type(main().getByLabelText('Given name'), 'Irene')
    await userEvent.type(main().getByLabelText('First surname'), 'Quintanilla')
    await userEvent.type(main().getByLabelText('Document number'), '73920416X')
    await userEvent.clear(main().getByLabelText('Country of the document'))
    await userEvent.type(main().getByLabelText('Country of the document'), 'pt')
    await userEvent.click(main().getByRole('button', { name: 'Save the data' }))
    await userEvent.click(stepButton(/4\. Checks/))
    await userEvent.click(stepButton(/3\. Document data/))
    expect(main().getByLabelText('Given name')).toHaveValue('Irene')
    expect(main().getByLabelText('Country of the document')).toHaveValue('pt')
    const button = main().getByRole('button', { name: 'Save the data' })
    expect(button).toBeDisabled()
    act(() => void fireEvent.submit(button.closest('form') as HTMLFormElement))
    expect(saves()).toBe(1)
    expect(api.inputs.at(api.calls.indexOf('saveCapture'))).toMatchObject({
      document: { givenName: 'Irene', idDocumentCountry: 'pt' },
    })

    // Main keeps the country as its schema writes it, in capitals: the form takes it.
    await answer(0, {
      ok: true,
      value: {
        ...fresh,
        document: {
          givenName: 'Irene',
          surname1: 'Quintanilla',
          serialNumber: '73920416X',
          idDocumentType: 'IDC',
          idDocumentCountry: 'PT',
          mobilePhoneNumber: '+34 600 111 222',
          email: 'irene.quintanilla@example.org',
        },
      },
    })
    expect(main().getByLabelText('Country of the document')).toHaveValue('PT')
    expect(main().getByText('Saved.')).toBeVisible()
    expect(button).toBeEnabled()
  })

  it('keeps what the officer types while a save is under way when it lands', async () => {
    const { answer } = renderHeldSaves()
    await userEvent.click(await main().findByRole('button', { name: /3\. Document data/ }))
    await userEvent.type(main().getByLabelText('Given name'), 'Irene')
    await userEvent.type(main().getByLabelText('First surname'), 'Quintanilla')
    await userEvent.type(main().getByLabelText('Document number'), '73920416X')
    await userEvent.clear(main().getByLabelText('Country of the document'))
    await userEvent.type(main().getByLabelText('Country of the document'), 'pt')
    await userEvent.click(main().getByRole('button', { name: 'Save the data' }))
    await userEvent.type(main().getByLabelText('Second surname'), 'Ybarra')
    // What main kept differs from the form (the country in capitals), but the officer typed since.
    await answer(0, {
      ok: true,
      value: {
        ...fresh,
        document: {
          givenName: 'Irene',
          surname1: 'Quintanilla',
          serialNumber: '73920416X',
          idDocumentType: 'IDC',
          idDocumentCountry: 'PT',
        },
      },
    })
    expect(main().getByLabelText('Second surname')).toHaveValue('Ybarra')
    expect(main().getByLabelText('Given name')).toHaveValue('Irene')
  })

  it('records the acceptance once for two clicks in one task', async () => {
    const { saves } = renderHeldSaves()
    await main().findByRole('heading', { name: 'Step 1: Acceptance' })
    await userEvent.click(main().getByLabelText(/^The signer read and accepted/))
    const record = main().getByRole('button', { name: 'Record the acceptance' })
    act(() => {
      fireEvent.click(record)
      fireEvent.click(record)
    })
    expect(saves()).toBe(1)
  })
})

describe('the capture store', () => {
  it('ends a recording before the screen closes, and opens the next screen only after', async () => {
    const api = fakeApi({
      openCapture: () => ok(fresh),
      startCaptureVideo: () => ok({ take: '0123456789abcdef' }),
      appendCaptureVideo: () => ok({ bytes: 10 }),
      endCaptureVideo: () => ok(fresh),
      closeCapture: () => ok(null),
    })
    const store = createCaptureStore(api)
    await store.getState().open(16690)
    const started = await store.getState().startVideo({ type: 'video/webm', source: 'camera' })
    if (!started.ok) throw new Error('not started')
    const take = started.value
    // The recorder's own stop: its last piece, then its end, once the screen asks it to finish.
    let stopped: () => void = () => undefined
    const stopping = new Promise<void>((resolve) => (stopped = resolve))
    store.getState().beforeClose(async () => {
      await stopping
      await take.append({ index: 3, data: 'AAAA' })
      await take.end({ ended: 'stopped', durationMs: 4000, prompts: [{ prompt: 'document_front', atMs: 0 }] })
    })
    const closed = store.getState().close()
    const reopened = store.getState().open(16690)
    await Promise.resolve()
    expect(api.calls).not.toContain('closeCapture')
    stopped()
    await Promise.all([closed, reopened])
    expect(api.calls.slice(-4)).toEqual([
      'appendCaptureVideo',
      'endCaptureVideo',
      'closeCapture',
      'openCapture',
    ])
    expect(api.inputs.at(api.calls.indexOf('endCaptureVideo'))).toMatchObject({
      videoidPk: 16690,
      take: '0123456789abcdef',
    })
    expect(store.getState().capture?.videoidPk).toBe(16690)
  })
})
