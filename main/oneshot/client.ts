import { type Dispatcher, request } from 'undici'
import { z } from 'zod'
import { type Envelope, envelopeSchema, messageOf, payloadOf } from './envelope'
import { fromHttpStatus, fromTransportError, unexpectedAnswer } from './errors'

/** JSON answers are small; a larger one is not the Optimizer talking, and is not read into memory. */
const MAX_JSON_BYTES = 1024 * 1024

const versionSchema = z.looseObject({ name: z.string(), version: z.string() })

export interface OneShotClientOptions {
  /** Read at every call, so a changed setting applies at once. */
  baseUrl: () => string
  dispatcher: Dispatcher
}

type Method = 'GET' | 'POST' | 'DELETE'

async function readText(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.length
    if (size > limit) throw unexpectedAnswer(`answer larger than ${limit} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function parseEnvelope(text: string): Envelope | undefined {
  try {
    const parsed = envelopeSchema.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

const firstLine = (text: string) => text.trim().split('\n')[0]?.slice(0, 200) || undefined

export function createOneShotClient(options: OneShotClientOptions) {
  const { baseUrl, dispatcher } = options

  /** One JSON call: the HTTP status decides success, then the body must be an envelope. */
  async function call(method: Method, path: string): Promise<Envelope> {
    let response: Dispatcher.ResponseData
    let text: string
    try {
      response = await request(`${baseUrl()}${path}`, {
        method,
        dispatcher,
        headers: { accept: 'application/json' },
      })
      text = await readText(response.body, MAX_JSON_BYTES)
    } catch (error) {
      throw fromTransportError(error)
    }
    const envelope = parseEnvelope(text)
    const { statusCode } = response
    if (statusCode < 200 || statusCode >= 300) {
      throw fromHttpStatus(statusCode, envelope ? messageOf(envelope) : firstLine(text))
    }
    const contentType = String(response.headers['content-type'] ?? '')
    if (!contentType.includes('json')) {
      throw unexpectedAnswer(`expected JSON, got ${contentType || 'no content type'}`)
    }
    if (!envelope) throw unexpectedAnswer('the answer is not valid JSON')
    return envelope
  }

  return {
    /** `GET /hello`: is the Optimizer up? Answers its greeting. */
    async hello(): Promise<string> {
      const envelope = await call('GET', '/hello')
      const greeting = messageOf(envelope)
      if (!greeting) throw unexpectedAnswer('/hello answered without a greeting')
      return greeting
    },

    /** `GET /version`: the Optimizer's name and version. */
    async version(): Promise<{ name: string; version: string }> {
      const parsed = versionSchema.safeParse(payloadOf(await call('GET', '/version')))
      if (!parsed.success) throw unexpectedAnswer('/version answered without a name and version')
      return { name: parsed.data.name, version: parsed.data.version }
    },
  }
}

export type OneShotClient = ReturnType<typeof createOneShotClient>
