import type { TFunction } from 'i18next'
import { type ClipboardEvent, type FormEvent, useEffect, useId, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { z } from 'zod'
import {
  type AddCasesResult,
  type Case,
  MAX_PAIRS_TEXT,
  newVideoIdSchema,
  pkSchema,
  type VideoIdDefaults,
} from '../../../shared/cases'
import type { AppErrorShape } from '../../../shared/errors'
import { ErrorMessage } from '../components/ErrorMessage'
import { Field } from '../components/Field'
import { formatSize } from '../components/format'
import { useCheckedForm } from '../components/useCheckedForm'
import { useCases, useNavigation } from '../stores/context'

/** Ways in: a new Video ID for a signer, or Video IDs that already exist, one, many, or from a CSV. */
export function AddCasesView() {
  const { t } = useTranslation()
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => heading.current?.focus(), [])
  return (
    <section aria-labelledby="add-title">
      <h1 id="add-title" tabIndex={-1} ref={heading}>
        {t('add.title')}
      </h1>
      <NewVideoIdForm />
      <ExistingForm />
    </section>
  )
}

const blankVideoId = { mobilePhoneNumber: '', email: '', registrationAuthority: '', profile: '' }

function NewVideoIdForm() {
  const { t } = useTranslation()
  const create = useCases((state) => state.create)
  const loadDefaults = useCases((state) => state.videoIdDefaults)
  const [defaults, setDefaults] = useState<VideoIdDefaults | 'failed' | null>(null)
  const [busy, setBusy] = useState(false)
  const [failure, setFailure] = useState<AppErrorShape | null>(null)
  const [created, setCreated] = useState<Case | null>(null)
  const { bind, check, clear, fill } = useCheckedForm(blankVideoId, newVideoIdSchema)

  useEffect(() => {
    let live = true
    void loadDefaults().then((result) => {
      if (!live) return
      setDefaults(result.ok ? result.value : 'failed')
      if (result.ok) {
        fill({
          ...(result.value.registrationAuthority
            ? { registrationAuthority: result.value.registrationAuthority }
            : {}),
          ...(result.value.profile ? { profile: result.value.profile } : {}),
        })
      }
    })
    return () => {
      live = false
    }
  }, [loadDefaults, fill])

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const input = check(event.currentTarget as HTMLFormElement)
    if (!input || busy) return
    setBusy(true)
    setFailure(null)
    setCreated(null)
    const result = await create(input as z.input<typeof newVideoIdSchema>)
    setBusy(false)
    if (!result.ok) {
      setFailure(result.error)
      return
    }
    setCreated(result.value.case)
    clear(['mobilePhoneNumber', 'email'])
  }

  const known = defaults !== null && defaults !== 'failed' ? defaults : null
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="new-title" aria-busy={busy}>
      <h2 id="new-title">{t('add.newTitle')}</h2>
      <p className="muted">{t('add.newIntro')}</p>
      <Field
        label={t('add.phone')}
        type="tel"
        inputMode="tel"
        maxLength={24}
        hint={t('add.phoneHint')}
        {...bind('mobilePhoneNumber')}
      />
      <Field label={t('add.email')} type="email" maxLength={254} {...bind('email')} />
      <Field
        label={t('add.ra')}
        inputMode="numeric"
        maxLength={10}
        {...bind('registrationAuthority')}
        {...(known?.registrationAuthority ? { hint: t('add.defaultsHint') } : {})}
      />
      <Field
        label={t('add.profile')}
        maxLength={100}
        {...bind('profile')}
        {...(known?.profile ? { hint: t('add.defaultsHint') } : {})}
      />
      {defaults === 'failed' && <p className="hint">{t('add.defaultsFailed')}</p>}
      {known && !known.optimizerHasBilling && (
        <p className={known.officerHasBilling ? 'hint' : 'notice notice-error'}>
          {known.officerHasBilling ? t('add.billingFromOfficer') : t('add.billingMissing')}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('add.creating') : t('add.create')}
        </button>
      </div>
      <div aria-live="polite">{created && <CreatedNotice item={created} />}</div>
      {failure && <ErrorMessage error={failure} />}
    </form>
  )
}

/** The new Video ID's number, to hand to the signer, with a copy button. */
function CreatedNotice({ item }: { item: Case }) {
  const { t } = useTranslation()
  const go = useNavigation((state) => state.go)
  const number = useRef<HTMLElement>(null)
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null)
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(String(item.videoidPk))
      setCopied('yes')
    } catch {
      // Where the clipboard is refused, the number is selected for Ctrl+C.
      const range = document.createRange()
      if (number.current) range.selectNodeContents(number.current)
      window.getSelection()?.removeAllRanges()
      window.getSelection()?.addRange(range)
      setCopied('no')
    }
  }
  return (
    <div className="notice notice-ok created">
      <p>{t('add.created', { pk: item.videoidPk })}</p>
      <p className="created-number">
        <strong ref={number}>{item.videoidPk}</strong>
        <button type="button" onClick={() => void copy()}>
          {t('add.copy')}
        </button>
        <span role="status">
          {copied === 'yes' ? t('add.copied') : copied === 'no' ? t('add.copyFailed') : ''}
        </span>
      </p>
      <p>
        <button type="button" onClick={() => go({ name: 'capture', videoidPk: item.videoidPk })}>
          {t('add.captureHere')}
        </button>
      </p>
    </div>
  )
}

const pairSchema = z.object({
  videoidPk: pkSchema,
  requestPk: pkSchema,
  // One line of a paste: its separators would split the check.
  check: z
    .string()
    .trim()
    .max(254)
    .regex(/^[^,;\t]*$/, { message: 'no_separators' }),
})
const blankPair = { videoidPk: '', requestPk: '', check: '' }

type AddState =
  | { status: 'idle' }
  | { status: 'checking' }
  | { status: 'done'; result: AddCasesResult }
  | { status: 'refused'; message: string }
  | { status: 'failed'; error: AppErrorShape }

function ExistingForm() {
  const { t } = useTranslation()
  const addPairs = useCases((state) => state.addPairs)
  const [state, setState] = useState<AddState>({ status: 'idle' })
  const [pasted, setPasted] = useState('')
  const pair = useCheckedForm(blankPair, pairSchema)
  const file = useRef<HTMLInputElement>(null)
  const pasteId = useId()
  const tooLarge = (size: number) =>
    t('add.tooLarge', { size: formatSize(size), limit: formatSize(MAX_PAIRS_TEXT) })

  const add = async (text: string) => {
    if (state.status === 'checking') return false
    if (text.length > MAX_PAIRS_TEXT) {
      setState({ status: 'refused', message: tooLarge(text.length) })
      return false
    }
    setState({ status: 'checking' })
    const result = await addPairs(text)
    setState(result.ok ? { status: 'done', result: result.value } : { status: 'failed', error: result.error })
    return result.ok
  }
  const addOne = async (event: FormEvent) => {
    event.preventDefault()
    const given = pair.check(event.currentTarget as HTMLFormElement)
    const line = given && [given.videoidPk, given.requestPk, given.check].filter(Boolean).join(',')
    if (line && (await add(line))) pair.clear(['videoidPk', 'requestPk', 'check'])
  }
  const addPasted = async (event: FormEvent) => {
    event.preventDefault()
    if (await add(pasted)) setPasted('')
  }
  // A paste too large to handle is refused before it reaches the field, so the window never freezes on it.
  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    const size = event.clipboardData.getData('text').length + pasted.length
    if (size > MAX_PAIRS_TEXT) {
      event.preventDefault()
      setState({ status: 'refused', message: tooLarge(size) })
    }
  }
  const onFile = async (chosen: File | undefined) => {
    if (!chosen) return
    if (file.current) file.current.value = ''
    if (chosen.size > MAX_PAIRS_TEXT) setState({ status: 'refused', message: tooLarge(chosen.size) })
    else await add(await chosen.text())
  }

  return (
    <section className="card" aria-labelledby="existing-title" aria-busy={state.status === 'checking'}>
      <h2 id="existing-title">{t('add.existingTitle')}</h2>
      <p className="muted">{t('add.existingIntro')}</p>
      <p className="notice notice-warning">{t('add.whyCheck')}</p>
      <form className="pair-form" onSubmit={addOne} noValidate>
        <Field label={t('add.videoidPk')} inputMode="numeric" maxLength={16} {...pair.bind('videoidPk')} />
        <Field label={t('add.requestPk')} inputMode="numeric" maxLength={16} {...pair.bind('requestPk')} />
        <Field label={t('add.check')} maxLength={254} hint={t('add.checkHint')} {...pair.bind('check')} />
        <button type="submit">{t('add.addOne')}</button>
      </form>
      <form onSubmit={addPasted} noValidate>
        <div className="field">
          <label htmlFor={pasteId}>{t('add.paste')}</label>
          <textarea
            id={pasteId}
            rows={4}
            spellCheck={false}
            value={pasted}
            onPaste={onPaste}
            onChange={(event) => setPasted(event.target.value)}
          />
        </div>
        <div className="actions">
          <button type="submit">{t('add.addPasted')}</button>
          <button type="button" onClick={() => file.current?.click()}>
            {t('add.csv')}
          </button>
          <input
            ref={file}
            type="file"
            accept=".csv,text/csv,text/plain"
            hidden
            tabIndex={-1}
            aria-label={t('add.csv')}
            onChange={(event) => void onFile(event.target.files?.[0])}
          />
        </div>
        <p className="hint">{t('add.csvHint')}</p>
      </form>
      <AddOutcome state={state} />
    </section>
  )
}

function AddOutcome({ state }: { state: AddState }) {
  const { t } = useTranslation()
  const adding = useCases((state) => state.adding)
  const cancelAdding = useCases((state) => state.cancelAdding)
  const stopped =
    state.status === 'done' && state.result.kind === 'lines'
      ? state.result.results.filter((line) => line.outcome === 'cancelled').length
      : 0
  const region = (
    <div role="status" aria-live="polite">
      {state.status === 'checking' && (
        <div className="progress add-progress">
          <span className="spinner" aria-hidden="true" />
          {adding?.total ? (
            <>
              <progress value={adding.checked} max={adding.total} aria-label={t('add.progressLabel')} />
              {t('add.progress', { checked: adding.checked, total: adding.total })}
            </>
          ) : (
            t('add.checking')
          )}
        </div>
      )}
      {state.status === 'done' && state.result.kind === 'lines' && (
        <p className="notice notice-ok">
          {summaryOf(state.result.results, t)}
          {stopped > 0 && ` ${t('add.stopped', { count: stopped })}`}
        </p>
      )}
    </div>
  )
  const problem =
    state.status === 'refused'
      ? state.message
      : state.status === 'done' && state.result.kind === 'wrong_columns'
        ? t('add.wrongColumns')
        : state.status === 'done' && state.result.kind === 'empty'
          ? t('add.empty')
          : null
  return (
    <>
      {region}
      {state.status === 'checking' && (
        <button type="button" onClick={() => void cancelAdding()}>
          {t('add.stop')}
        </button>
      )}
      {problem && (
        <p className="notice notice-error" role="alert">
          {problem}
        </p>
      )}
      {state.status === 'failed' && <ErrorMessage error={state.error} />}
      {state.status === 'done' && state.result.kind === 'lines' && (
        <table className="results">
          <caption>{t('add.results')}</caption>
          <tbody>
            {state.result.results.slice(0, 1000).map((line) => (
              <tr key={line.line} className={`outcome-${line.outcome}`}>
                <th scope="row">{t('add.line', { line: line.line })}</th>
                <td>
                  <code>{line.text}</code>
                </td>
                <td>{t(`add.outcome.${line.outcome}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  )
}

function summaryOf(results: Extract<AddCasesResult, { kind: 'lines' }>['results'], t: TFunction): string {
  const count = (...outcomes: string[]) => results.filter((line) => outcomes.includes(line.outcome)).length
  return t('add.summary', {
    added: count('added', 'added_unchecked'),
    known: count('already_known'),
    notFound: count('not_found'),
    malformed: count('malformed'),
    refused: count('check_mismatch', 'check_unavailable', 'request_taken'),
  })
}
