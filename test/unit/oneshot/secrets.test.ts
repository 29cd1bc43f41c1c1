import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { interpretAnswer } from '../../../main/oneshot/http'
import { AppError } from '../../../shared/errors'
import { ECHO_FORMS } from '../../simulator/echo'
import { VIDEOS } from '../../simulator/seed'
import { type Simulator, startSimulator } from '../../simulator/server'
import { asItComes, caseIn, clientFor, failureOf, WITHHELD } from './helpers'

// Recognisable secrets: if any of them shows up in any output, it leaked. Each has what changes under
// an encoding (a quote and a backslash for JSON, non-ASCII for Python's `\u00f1` and `\xf1` and for
// NFD, `<`, `>` and `&` for HTML and Go, `+`, `/` and `=` for base64 and URLs, a space for forms); the
// PIN too, though a real one is digits, to cover every call. A second RAO has a four-digit PIN.
const RAO = {
  username: '9001899',
  password: 'PW"LEAK\\canary ñandú+/=<&>4242',
  pin: '7081"\\ñ+/=4296',
  rao: '1499',
}
const SHORT_PIN = { username: '9001900', password: 'Short pin<&>ñ', pin: '4821', rao: '1500' }
const BILLING_PASSWORD = 'BILL "leak\\cañón+/=<&>7781'

/** Undoes one level of JSON (any case of hex, PHP's `\/`) and Python's `\xf1`, leniently. */
const unescapeJson = (text: string) =>
  text.replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|["\\/bfnrt])/g, (_, sequence: string) =>
    sequence.startsWith('u') || sequence.startsWith('x')
      ? String.fromCharCode(Number.parseInt(sequence.slice(1), 16))
      : (({ b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' } as Record<string, string>)[sequence] ?? sequence),
  )
/** Undoes URL and form encoding (either case of hex), leniently. */
const unescapeUrl = (text: string) =>
  text.replaceAll('+', ' ').replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run)
    } catch {
      return run
    }
  })
/** Undoes HTML's named and numeric entities. */
const unescapeHtml = (text: string) =>
  text.replace(/&(#\d+|#x[0-9a-fA-F]+|quot|amp|lt|gt|apos);/g, (_, entity: string) =>
    entity.startsWith('#x')
      ? String.fromCodePoint(Number.parseInt(entity.slice(2), 16))
      : entity.startsWith('#')
        ? String.fromCodePoint(Number(entity.slice(1)))
        : (({ quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" } as Record<string, string>)[entity] ?? ''),
  )
/** Every run of base64 (either alphabet) in a text, decoded from each of its first four characters, as UTF-8, UTF-16LE and Latin-1. */
const unbase64 = (text: string) =>
  (text.match(/[A-Za-z0-9+/_-]{8,}/g) ?? []).flatMap((run) =>
    [0, 1, 2, 3].flatMap((start) => {
      const bytes = Buffer.from(run.slice(start), 'base64')
      return [
        bytes.toString('utf8'),
        bytes.toString('utf16le'),
        bytes.subarray(1).toString('utf16le'),
        bytes.toString('latin1'),
      ]
    }),
  )
/**
 * Every way to read a text back to what the server was sent: lines joined or not; as is, URL-, `escape`-,
 * HTML- or base64-decoded; then JSON-unescaped up to twice; composed (NFC).
 */
const readings = (text: string) =>
  [text, text.replaceAll('\n', '')]
    .flatMap((whole) => [whole, unescapeUrl(whole), unescape(whole), unescapeHtml(whole), ...unbase64(whole)])
    .flatMap((read) => [read, unescapeJson(read), unescapeJson(unescapeJson(read))])
    .map((read) => read.normalize('NFC'))

describe('no secret ever reaches a log line, the console or an error', () => {
  let simulator: Simulator
  const output: string[] = []
  const secrets = [RAO.password, RAO.pin, BILLING_PASSWORD, Buffer.from(BILLING_PASSWORD).toString('base64')]

  beforeAll(async () => {
    simulator = await startSimulator({ raos: [RAO, SHORT_PIN] })
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream) as (...args: unknown[]) => boolean
      vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
        output.push(String(chunk))
        return write(chunk, ...rest)
      }) as typeof stream.write)
    }
  })
  afterAll(async () => {
    vi.restoreAllMocks()
    await simulator.close()
  })

  it('across every endpoint, in success and failure', async () => {
    const full = clientFor(simulator, { kind: 'credentials', ...RAO })
    const wrong = clientFor(simulator, {
      kind: 'credentials',
      ...RAO,
      pin: RAO.pin.split('').reverse().join(''),
    })
    // Values go back to main, which needs some (a token's uid); errors may travel on to the renderer.
    const errors: unknown[] = []
    const attempt = (promise: Promise<unknown>) =>
      promise.catch((error: unknown) =>
        errors.push(error instanceof AppError ? error.toShape() : String(error)),
      )
    const { client } = full
    const folder = mkdtempSync(path.join(tmpdir(), 'rao-secrets-'))

    await attempt(client.hello())
    await attempt(client.version())
    await attempt(
      client.updateSettings({ billingUsername: 'billing@ra.example', billingPassword: BILLING_PASSWORD }),
    )
    await attempt(client.getSettings())
    const token = await client.createToken({ username: RAO.username, password: RAO.password, pin: RAO.pin })
    secrets.push(token)
    await attempt(client.createToken({ username: RAO.username, password: RAO.password, pin: RAO.pin }))
    await attempt(client.createToken({ username: RAO.username, password: `${RAO.password}x`, pin: RAO.pin }))
    await attempt(client.getToken(token))
    await attempt(client.listTokens())
    const created = await client.createVideoId(
      {
        mobilePhoneNumber: '+34 600 000 002',
        email: 'b@example.org',
        registrationAuthority: RAO.rao,
        profile: 'P',
      },
      { billing: { username: 'billing@ra.example', password: BILLING_PASSWORD } },
    )
    await attempt(
      client.uploadEvidences(created.videoidPk, {
        videoid_data: { ocr_data: { given_name: 'A', surname_1: 'B', serial_number: '1' } },
      }),
    )
    await attempt(client.uploadVideo(created.videoidPk, VIDEOS.a))
    await attempt(client.downloadVideo(created.videoidPk, path.join(folder, 'v.mp4'), asItComes))
    await attempt(wrong.client.approve(created.videoidPk))
    await attempt(wrong.client.refuse(created.videoidPk, 'wrong PIN attempt'))
    const twoStep = caseIn(simulator, 'VIDEOREVIEW', 'two-step')
    await attempt(client.validate(twoStep.videoidPk))
    const byToken = clientFor(simulator, { kind: 'token', token, rao: RAO.rao })
    await attempt(byToken.client.approve(twoStep.videoidPk))
    await attempt(byToken.client.refuse(caseIn(simulator, 'VIDEOREVIEW').videoidPk, 'Document expired'))
    await attempt(client.approve(created.videoidPk))
    await attempt(client.approve(created.videoidPk))
    await attempt(client.getRequest(created.requestPk))
    await attempt(client.cancelRequest(caseIn(simulator, 'VIDEOPENDING').requestPk))
    await attempt(client.deleteToken(token))
    await attempt(byToken.client.approve(caseIn(simulator, 'VIDEOREVIEW').videoidPk))

    const everything = [
      ...full.lines,
      ...wrong.lines,
      ...byToken.lines,
      ...output,
      JSON.stringify(errors),
    ].join('\n')
    expect(full.lines.length).toBeGreaterThan(15)
    expect(JSON.stringify(errors)).toContain('invalid_credentials')
    for (const secret of secrets) expect(everything).not.toContain(secret)
  })

  it('shows none of the Optimizer’s words in the errors of calls that carry a secret, however it repeats them', async () => {
    const { client, lines } = clientFor(simulator, { kind: 'credentials', ...RAO })
    const token = await client.createToken({ username: RAO.username, password: RAO.password, pin: RAO.pin })
    const byToken = clientFor(simulator, { kind: 'token', token, rao: RAO.rao })
    const short = clientFor(simulator, { kind: 'credentials', ...SHORT_PIN })
    const review = caseIn(simulator, 'VIDEOREVIEW').videoidPk
    const calls: [string, () => Promise<unknown>][] = [
      [
        'POST /token',
        () => client.createToken({ username: RAO.username, password: RAO.password, pin: RAO.pin }),
      ],
      [
        'POST /token',
        () =>
          client.createToken({
            username: SHORT_PIN.username,
            password: SHORT_PIN.password,
            pin: SHORT_PIN.pin,
          }),
      ],
      ['GET /token/*', () => client.getToken(token)],
      ['DELETE /token/*', () => client.deleteToken(token)],
      ['POST /settings', () => client.updateSettings({ billingPassword: BILLING_PASSWORD })],
      [
        'POST /videoid',
        () =>
          client.createVideoId(
            {
              mobilePhoneNumber: '+34600000003',
              email: 'c@example.org',
              registrationAuthority: RAO.rao,
              profile: 'P',
            },
            { billing: { username: 'billing@ra.example', password: BILLING_PASSWORD } },
          ),
      ],
      ['POST /videoid/*/approve', () => client.approve(review)],
      ['POST /videoid/*/validate', () => client.validate(review)],
      ['POST /videoid/*/refuse', () => client.refuse(review, 'Document expired')],
      ['POST /videoid/*/approve', () => byToken.client.approve(review)],
      ['POST /videoid/*/approve', () => short.client.approve(review)],
    ]
    const canaries = [...secrets, token, SHORT_PIN.password, SHORT_PIN.pin]
    for (const form of ECHO_FORMS) {
      for (const [route, call] of calls) {
        const where = `${route}, echoed as ${form}`
        simulator.inject({ route, fault: { kind: 'echo', as: form } })
        const error = await call().then(
          () => undefined,
          (failure: AppError) => failure,
        )
        // The status, and a sentence saying why the server's words are not shown: nothing of them.
        expect(error?.toShape(), where).toEqual({
          code: 'server_error',
          message: 'The Optimizer had an internal problem.',
          detail: `HTTP 500: ${WITHHELD}`,
        })
        const read = readings(error?.detail ?? '')
        for (const secret of canaries)
          for (const reading of read) expect(reading, where).not.toContain(secret)
      }
    }
    const logged = [...lines, ...byToken.lines, ...short.lines].join('\n')
    for (const secret of [...secrets, token, SHORT_PIN.password]) expect(logged).not.toContain(secret)
    // Every form for every call: some two hundred answers, slow on a loaded machine.
  }, 120_000)

  it('leaves out the Optimizer’s words from the errors of calls that carry personal data, and keeps them for the rest', async () => {
    const { client } = clientFor(simulator, { kind: 'credentials', ...RAO })
    const target = caseIn(simulator, 'VIDEOREVIEW')
    simulator.inject({ route: 'POST /videoid/*/evidences', fault: { kind: 'echo', as: 'values' } })
    const evidences = {
      videoid_data: { ocr_data: { given_name: 'Ana', surname_1: 'Ruiz', serial_number: 'X1' } },
    }
    const personal = 'HTTP 500: the Optimizer’s words are not shown, as the call carried personal data'
    expect((await failureOf(client.uploadEvidences(target.videoidPk, evidences))).detail).toBe(personal)
    simulator.inject({ route: 'POST /videoid', fault: { kind: 'echo', as: 'values' } })
    const created = await failureOf(
      client.createVideoId({
        mobilePhoneNumber: '+34600000004',
        email: 'd@example.org',
        registrationAuthority: RAO.rao,
        profile: 'P',
      }),
    )
    expect(created.detail).toBe(personal)
    // A call that carries neither: the Optimizer's words help whoever reads the error.
    simulator.inject({ route: 'GET /request/*', fault: { kind: 'status', status: 400 } })
    expect((await failureOf(client.getRequest(target.requestPk))).detail).toBe(
      'HTTP 400: Service temporarily unavailable',
    )
  })

  it('leaves out whatever a server sends back to a call that carried a secret, and keeps it for one that did not', () => {
    const text = `${'x'.repeat(190)}${RAO.password} and more`
    const detailOf = (carriesSecret: boolean) => {
      try {
        interpretAnswer({ statusCode: 502, contentType: 'text/plain', text }, { carriesSecret })
      } catch (error) {
        return (error as AppError).detail
      }
      return undefined
    }
    expect(detailOf(true)).toBe(`HTTP 502: ${WITHHELD}`)
    // Not an envelope (a proxy's page, say): its first line, cut at 200 characters.
    expect(detailOf(false)).toBe(`HTTP 502: ${text.slice(0, 200)}`)
  })

  it('cuts an envelope’s message at 200 characters: an error repeating a whole body never fills the page', () => {
    const echoed = `Error uploading evidences: ${JSON.stringify({ images: { front: 'A'.repeat(75_000) } })}`
    let detail: string | undefined
    try {
      interpretAnswer(
        {
          statusCode: 500,
          contentType: 'application/json',
          text: JSON.stringify({ status: 'error', message: echoed }),
        },
        {},
      )
    } catch (error) {
      detail = (error as AppError).detail
    }
    expect(detail).toBe(`HTTP 500: ${echoed.slice(0, 200)}`)
  })

  it('leaves out even the content type of a 2xx answer that is not JSON, where the call carried a secret', () => {
    const contentType = `text/html; x-echo="${RAO.password}"`
    const detailOf = (carriesSecret: boolean) => {
      try {
        interpretAnswer({ statusCode: 200, contentType, text: '<p>portal</p>' }, { carriesSecret })
      } catch (error) {
        return (error as AppError).detail
      }
      return undefined
    }
    expect(detailOf(true)).toBe('expected JSON')
    expect(detailOf(false)).toBe(`expected JSON, got ${contentType}`)
  })
})
