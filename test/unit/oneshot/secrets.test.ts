import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { interpretAnswer } from '../../../main/oneshot/http'
import { AppError } from '../../../shared/errors'
import type { EchoForm } from '../../simulator/echo'
import { VIDEOS } from '../../simulator/seed'
import { type Simulator, startSimulator } from '../../simulator/server'
import { asItComes, caseIn, clientFor } from './helpers'

// Recognisable secrets: if any of them shows up in any output, it leaked. Each has what changes under
// an encoding (a quote and a backslash for JSON, non-ASCII for Python's `\u00f1`, `+`, `/` and `=` for
// base64 and URLs, a space for forms); the PIN too, though a real one is digits, to cover every call.
const RAO = {
  username: '9001899',
  password: 'PW"LEAK\\canary ñandú+/=4242',
  pin: '7081"\\ñ+/=4296',
  rao: '1499',
}
const BILLING_PASSWORD = 'BILL "leak\\cañón+/=7781'
const ECHO_FORMS: EchoForm[] = ['json', 'ascii', 'body', 'values', 'base64', 'base64url', 'form']

/** Undoes one JSON escaping level, leniently: a masked text need not be valid JSON any more. */
const unescapeJson = (text: string) =>
  text.replace(/\\(u[0-9a-fA-F]{4}|["\\/bfnrt])/g, (_, sequence: string) =>
    sequence.startsWith('u')
      ? String.fromCharCode(Number.parseInt(sequence.slice(1), 16))
      : (({ b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' } as Record<string, string>)[sequence] ?? sequence),
  )
/** Undoes URL and form encoding, leniently. */
const unescapeUrl = (text: string) =>
  text.replaceAll('+', ' ').replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run)
    } catch {
      return run
    }
  })
/** Every run of base64 (either alphabet) in a text, decoded from each of its first four characters. */
const unbase64 = (text: string) =>
  (text.match(/[A-Za-z0-9+/_-]{8,}/g) ?? []).flatMap((run) =>
    [0, 1, 2, 3].map((start) => Buffer.from(run.slice(start), 'base64').toString('utf8')),
  )
/** Every way to read a text back to what the server was sent: as is, URL- or base64-decoded, then JSON-unescaped. */
const readings = (text: string) =>
  [text, unescapeUrl(text), ...unbase64(text)].flatMap((read) => [
    read,
    unescapeJson(read),
    unescapeJson(unescapeJson(read)),
  ])

describe('no secret ever reaches a log line, the console or an error', () => {
  let simulator: Simulator
  const output: string[] = []
  const secrets = [RAO.password, RAO.pin, BILLING_PASSWORD, Buffer.from(BILLING_PASSWORD).toString('base64')]

  beforeAll(async () => {
    simulator = await startSimulator({ raos: [RAO] })
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

  it('masks what the Optimizer repeats of a request in an error, in every form, for every call that carries a secret', async () => {
    const { client, lines } = clientFor(simulator, { kind: 'credentials', ...RAO })
    const token = await client.createToken({ username: RAO.username, password: RAO.password, pin: RAO.pin })
    const byToken = clientFor(simulator, { kind: 'token', token, rao: RAO.rao })
    const review = caseIn(simulator, 'VIDEOREVIEW').videoidPk
    const calls: [string, () => Promise<unknown>][] = [
      [
        'POST /token',
        () => client.createToken({ username: RAO.username, password: RAO.password, pin: RAO.pin }),
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
    ]
    const canaries = [...secrets, token]
    for (const form of ECHO_FORMS) {
      for (const [route, call] of calls) {
        const where = `${route}, echoed as ${form}`
        simulator.inject({ route, fault: { kind: 'echo', as: form } })
        const error = await call().then(
          () => undefined,
          (failure: AppError) => failure,
        )
        expect(error?.code, where).toBe('server_error')
        // The Optimizer did repeat the request (the mask shows where), and no reading of its words finds a secret.
        expect(error?.detail, where).toContain('•••')
        const read = readings(error?.detail ?? '')
        for (const secret of canaries) {
          for (const reading of read) expect(reading, where).not.toContain(secret)
          expect([...lines, ...byToken.lines].join('\n'), where).not.toContain(secret)
        }
      }
    }
  })

  it('masks a secret before the server’s words are cut, so that no start of one is left', () => {
    // Not an envelope (a proxy's page, say): only its first 200 characters are kept, and the password
    // straddles the cut.
    const padding = 'x'.repeat(190)
    const answer = { statusCode: 502, contentType: 'text/plain', text: `${padding}${RAO.password} and more` }
    let detail: string | undefined
    try {
      interpretAnswer(answer, { secrets: [RAO.password, RAO.pin] })
    } catch (error) {
      detail = (error as AppError).detail
    }
    expect(detail).toBe(`HTTP 502: ${padding}••• and mo`)
  })
})
