import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { AppError } from '../../../shared/errors'
import { VIDEOS } from '../../simulator/seed'
import { type Simulator, startSimulator } from '../../simulator/server'
import { caseIn, clientFor } from './helpers'

// Recognisable secrets: if any of them shows up in any output, it leaked.
const RAO = { username: '9001899', password: 'PW-LEAK-CANARY-4242', pin: '70814296', rao: '1499' }
const BILLING_PASSWORD = 'BILL-LEAK-CANARY-7781'

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
    await attempt(client.downloadVideo(created.videoidPk, path.join(folder, 'v.mp4')))
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

  it('masks what the Optimizer repeats of a request inside an error, for every call that carries a secret', async () => {
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
    for (const [route, call] of calls) {
      simulator.inject({ route, fault: { kind: 'echo' } })
      const error = await call().then(
        () => undefined,
        (failure: AppError) => failure,
      )
      expect(error?.code, route).toBe('server_error')
      // The Optimizer did repeat the request (the mask shows where), and no secret is left in the words.
      expect(error?.detail, route).toContain('•••')
      for (const secret of [...secrets, token]) {
        expect(error?.detail, route).not.toContain(secret)
        expect([...lines, ...byToken.lines].join('\n'), route).not.toContain(secret)
      }
    }
  })
})
