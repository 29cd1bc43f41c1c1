import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ErrorCode } from '../../../shared/errors'
import type { Fault } from '../../simulator/faults'
import { VIDEOS } from '../../simulator/seed'
import { type Simulator, startSimulator } from '../../simulator/server'
import { asItComes, caseIn, clientFor, TEST_RAO } from './helpers'

type Client = ReturnType<typeof clientFor>['client']
type Kind = 'read' | 'write' | 'decision' | 'download'

interface Call {
  name: string
  route: string
  kind: Kind
  run(client: Client, simulator: Simulator, folder: string): Promise<unknown>
}

const newToken = (simulator: Simulator) => {
  const uid = crypto.randomUUID()
  simulator.state.tokens.set(uid, { username: TEST_RAO.username })
  return uid
}

/** Every call the client makes, each set up so that, without a fault, it succeeds. */
const calls: Call[] = [
  { name: 'hello', route: 'GET /hello', kind: 'read', run: (client) => client.hello() },
  { name: 'version', route: 'GET /version', kind: 'read', run: (client) => client.version() },
  { name: 'get settings', route: 'GET /settings', kind: 'read', run: (client) => client.getSettings() },
  {
    name: 'update settings',
    route: 'POST /settings',
    kind: 'write',
    run: (client) => client.updateSettings({ defaultRa: '1402' }),
  },
  {
    name: 'create token',
    route: 'POST /token',
    kind: 'write',
    run: (client) => client.createToken({ username: TEST_RAO.username, password: TEST_RAO.password }),
  },
  {
    name: 'read token',
    route: 'GET /token/*',
    kind: 'read',
    run: (client, simulator) => client.getToken(newToken(simulator)),
  },
  {
    name: 'delete token',
    route: 'DELETE /token/*',
    kind: 'write',
    run: (client, simulator) => client.deleteToken(newToken(simulator)),
  },
  { name: 'list tokens', route: 'GET /tokens', kind: 'read', run: (client) => client.listTokens() },
  {
    name: 'create Video ID',
    route: 'POST /videoid',
    kind: 'write',
    run: (client) =>
      client.createVideoId({
        mobilePhoneNumber: '+34 600 000 001',
        email: 'a@example.org',
        registrationAuthority: '1402',
        profile: 'P',
      }),
  },
  {
    name: 'upload evidences',
    route: 'POST /videoid/*/evidences',
    kind: 'write',
    run: (client, simulator) =>
      client.uploadEvidences(caseIn(simulator, 'VIDEOPENDING').videoidPk, {
        videoid_data: { ocr_data: { given_name: 'A', surname_1: 'B', serial_number: '1' } },
      }),
  },
  {
    name: 'upload video',
    route: 'POST /videoid/*/video',
    kind: 'write',
    run: (client, simulator) => client.uploadVideo(caseIn(simulator, 'VIDEOPENDING').videoidPk, VIDEOS.b),
  },
  {
    name: 'download video',
    route: 'GET /videoid/*/video',
    kind: 'download',
    run: (client, simulator, folder) =>
      client.downloadVideo(caseIn(simulator, 'VIDEOREVIEW').videoidPk, path.join(folder, 'v.mp4'), asItComes),
  },
  {
    name: 'validate',
    route: 'POST /videoid/*/validate',
    kind: 'decision',
    run: (client, simulator) => client.validate(caseIn(simulator, 'VIDEOREVIEW', 'two-step').videoidPk),
  },
  {
    name: 'approve',
    route: 'POST /videoid/*/approve',
    kind: 'decision',
    run: (client, simulator) => client.approve(caseIn(simulator, 'VIDEOREVIEW', 'one-step').videoidPk),
  },
  {
    name: 'refuse',
    route: 'POST /videoid/*/refuse',
    kind: 'decision',
    run: (client, simulator) => client.refuse(caseIn(simulator, 'VIDEOREVIEW').videoidPk, 'Blurred document'),
  },
  {
    name: 'read request',
    route: 'GET /request/*',
    kind: 'read',
    run: (client, simulator) => client.getRequest(caseIn(simulator, 'VIDEOREVIEW').requestPk),
  },
  {
    name: 'cancel request',
    route: 'DELETE /request/*',
    kind: 'write',
    run: (client, simulator) => client.cancelRequest(caseIn(simulator, 'VIDEOPENDING').requestPk),
  },
]

const faults: { label: string; fault: Fault; outcome: Record<Kind, ErrorCode | 'ok'> }[] = [
  {
    label: 'latency',
    fault: { kind: 'latency', ms: 100 },
    outcome: { read: 'ok', write: 'ok', decision: 'ok', download: 'ok' },
  },
  // Reads are retried (once is enough here); nothing else is ever sent twice.
  {
    label: '503',
    fault: { kind: 'status', status: 503 },
    outcome: { read: 'ok', write: 'server_error', decision: 'server_error', download: 'ok' },
  },
  {
    label: '500',
    fault: { kind: 'status', status: 500 },
    outcome: {
      read: 'server_error',
      write: 'server_error',
      decision: 'server_error',
      download: 'server_error',
    },
  },
  // A cut video download resumes with Range; a cut JSON answer cannot be resumed.
  {
    label: 'reset mid-body',
    fault: { kind: 'reset' },
    outcome: { read: 'unreachable', write: 'unreachable', decision: 'unreachable', download: 'ok' },
  },
  {
    label: 'stalled body',
    fault: { kind: 'stall' },
    outcome: { read: 'timeout', write: 'timeout', decision: 'timeout', download: 'timeout' },
  },
  {
    label: 'malformed JSON',
    fault: { kind: 'malformed' },
    outcome: {
      read: 'unexpected_answer',
      write: 'unexpected_answer',
      decision: 'unexpected_answer',
      download: 'unexpected_answer',
    },
  },
  {
    label: 'wrong content type',
    fault: { kind: 'wrongType' },
    outcome: {
      read: 'unexpected_answer',
      write: 'unexpected_answer',
      decision: 'unexpected_answer',
      download: 'unexpected_answer',
    },
  },
]

let simulator: Simulator | undefined
afterEach(() => simulator?.close())

describe('fault matrix: every injected fault against every call', () => {
  for (const { label, fault, outcome } of faults) {
    for (const call of calls) {
      const expected = outcome[call.kind]
      it(`${call.name} × ${label} → ${expected}`, async () => {
        simulator = await startSimulator({ raos: [TEST_RAO] })
        const folder = mkdtempSync(path.join(tmpdir(), 'rao-faults-'))
        const { client } = clientFor(simulator)
        simulator.inject({ route: call.route, fault })
        const result = await call.run(client, simulator, folder).then(
          () => 'ok',
          (error: { code?: string }) => error.code,
        )
        expect(result).toBe(expected)
        // No partial download is ever left behind, nor taken for a whole one.
        expect(readdirSync(folder)).toEqual(expected === 'ok' && call.kind === 'download' ? ['v.mp4'] : [])
        if (call.kind === 'decision') expect(simulator.decisions).toHaveLength(1)
      })
    }
  }

  it('a video download without Range support starts over after a cut, and is whole', async () => {
    simulator = await startSimulator({ raos: [TEST_RAO] })
    simulator.setRangeSupport(false)
    simulator.inject({ route: 'GET /videoid/*/video', fault: { kind: 'reset' } })
    const folder = mkdtempSync(path.join(tmpdir(), 'rao-faults-'))
    const target = caseIn(simulator, 'VIDEOREVIEW')
    const result = await clientFor(simulator).client.downloadVideo(
      target.videoidPk,
      path.join(folder, 'v.mp4'),
      asItComes,
    )
    expect(result.bytes).toBeGreaterThan(0)
    expect(readdirSync(folder)).toEqual(['v.mp4'])
  })

  it('a decision whose answer is lost was still made once: reading the status settles it', async () => {
    simulator = await startSimulator({ raos: [TEST_RAO] })
    const { client } = clientFor(simulator)
    const target = caseIn(simulator, 'VIDEOREVIEW', 'one-step')
    simulator.inject({ route: 'POST /videoid/*/approve', fault: { kind: 'reset' } })
    await expect(client.approve(target.videoidPk)).rejects.toMatchObject({ code: 'unreachable' })
    expect((await client.getRequest(target.requestPk)).status).toBe('ENROLLREADY')
    expect(simulator.decisions).toEqual([{ action: 'approve', videoidPk: target.videoidPk }])
  })
})
