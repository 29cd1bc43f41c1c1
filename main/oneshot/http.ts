import { type Dispatcher, request } from 'undici'
import type { Logger } from '../log'
import { type Envelope, envelopeSchema, messageOf } from './envelope'
import { fromHttpStatus, fromTransportError, unexpectedAnswer } from './errors'

/** JSON answers are small; a larger one is not the Optimizer talking, and is not read into memory. */
export const MAX_JSON_BYTES = 1024 * 1024

export type Method = 'GET' | 'POST' | 'DELETE'

export interface HttpContext {
  /** Read at every call, so a changed setting applies at once. */
  baseUrl: () => string
  dispatcher: Dispatcher
  log: Logger
}

export interface JsonCallOptions {
  body?: unknown
  /**
   * The call sends a secret (the RAO password or PIN, a token, the billing password): the server's words
   * are left out of its errors, since no mask can know every form in which they may repeat it.
   */
  carriesSecret?: boolean
  /**
   * The call sends personal data (a capture's evidences or video): the server's words are left out of
   * its errors too, since a server that repeats the body would put names and images in front of anyone.
   */
  carriesPersonalData?: boolean
  /** Accept a 2xx answer with no envelope (`null` or empty), as `refuse` gives. */
  emptyOk?: boolean
  /** How the path appears in the log, where it holds a secret (a token's uid). */
  logAs?: string
  /** Ends the call early: a cancel, or a limit of the caller's own. */
  signal?: AbortSignal
}

export async function readLimited(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.length
    if (size > limit) throw unexpectedAnswer(`answer larger than ${limit} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

const firstLine = (text: string) => text.trim().split('\n')[0]?.slice(0, 200) || undefined

/**
 * The server's words for a failed answer: its envelope's message, or whatever it sent, the first line
 * of it cut at 200 characters either way, so that no answer fills the page.
 */
export function serverMessage(text: string): string | undefined {
  const parsed = parseJson(text)
  const envelope = parsed.ok ? envelopeSchema.safeParse(parsed.value) : undefined
  return firstLine((envelope?.success ? messageOf(envelope.data) : text) ?? '')
}

/** What an error of a call that carried a secret says in place of the server's words. */
export const WORDS_WITHHELD = 'the Optimizer’s words are not shown, as the call carried credentials'
/** What an error of a call that carried personal data says in place of the server's words. */
export const PERSONAL_WORDS_WITHHELD =
  'the Optimizer’s words are not shown, as the call carried personal data'

/** The words a failed answer's error keeps: none of a call that carried a secret or personal data. */
const wordsOf = (text: string, options: Pick<JsonCallOptions, 'carriesSecret' | 'carriesPersonalData'>) =>
  options.carriesSecret
    ? WORDS_WITHHELD
    : options.carriesPersonalData
      ? PERSONAL_WORDS_WITHHELD
      : serverMessage(text)

/**
 * One JSON call: the HTTP status decides success, then the body must be an envelope of either API
 * generation. Logs the method, path, status and duration: never a body.
 */
export async function callJson(
  context: HttpContext,
  method: Method,
  path: string,
  options: JsonCallOptions = {},
): Promise<Envelope | null> {
  const started = Date.now()
  const logPath = options.logAs ?? path
  let statusCode: number
  let contentType: string
  let text: string
  try {
    const response = await request(`${context.baseUrl()}${path}`, {
      method,
      dispatcher: context.dispatcher,
      headers: {
        accept: 'application/json',
        // A status read through a caching proxy must be the Optimizer's now, not one kept from before.
        ...(method === 'GET' ? { 'cache-control': 'no-cache' } : {}),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ...(options.signal ? { signal: options.signal } : {}),
    })
    statusCode = response.statusCode
    contentType = String(response.headers['content-type'] ?? '')
    text = await readLimited(response.body, MAX_JSON_BYTES)
  } catch (error) {
    const failure = fromTransportError(error)
    context.log.warn('oneshot call failed', {
      method,
      path: logPath,
      code: failure.code,
      ms: Date.now() - started,
    })
    throw failure
  }
  context.log.info('oneshot call', { method, path: logPath, status: statusCode, ms: Date.now() - started })

  return interpretAnswer({ statusCode, contentType, text }, options)
}

export interface RawAnswer {
  statusCode: number
  contentType: string
  text: string
}

/** Success or a typed failure, from an answer's status, content type and text. */
export function interpretAnswer(
  answer: RawAnswer,
  options: Pick<JsonCallOptions, 'carriesSecret' | 'carriesPersonalData' | 'emptyOk'>,
): Envelope | null {
  const { statusCode, contentType, text } = answer
  if (statusCode < 200 || statusCode >= 300) throw fromHttpStatus(statusCode, wordsOf(text, options))
  if (options.emptyOk && (text.trim() === '' || text.trim() === 'null')) return null
  if (!contentType.includes('json'))
    // Even its content type is the server's word, and a call that carried a secret repeats none.
    throw unexpectedAnswer(
      options.carriesSecret ? 'expected JSON' : `expected JSON, got ${contentType || 'no content type'}`,
    )
  const parsed = parseJson(text)
  if (!parsed.ok) throw unexpectedAnswer('the answer is not valid JSON')
  const envelope = envelopeSchema.safeParse(parsed.value)
  if (!envelope.success) throw unexpectedAnswer('the answer is not a One-Shot envelope')
  return envelope.data
}
