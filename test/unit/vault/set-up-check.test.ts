import { createServer, type Server } from 'node:https'
import { type AddressInfo, createServer as createTcpServer } from 'node:net'
import keytar from '@github/keytar'
import { afterEach, describe, expect, it } from 'vitest'
import type { Fault } from '../../simulator/faults'
import { failureOf, selfSignedCertificate, WITHHELD } from '../oneshot/helpers'
import { eachTestWorld, keychainEntries, OFFICER, servicesFor } from './fixtures'

// Credentials are saved unchecked only where the Optimizer was not reached: the network, a timeout,
// TLS. Any answer it gives, a 400 or a 500 too (some Optimizers answer wrong credentials with a 500),
// is its own: shown, and nothing is saved.
const world = eachTestWorld()
const { billingUsername: _b, billingPassword: _p, ...officer } = OFFICER
const fast = { timeouts: { connectMs: 1_000, headersMs: 300, bodyMs: 300 }, maxRetries: 0 }

describe('the check as credentials are saved', () => {
  const answers: [string, Fault | 'wrong password', string, string][] = [
    ['a 500', { kind: 'status', status: 500 }, 'server_error', `HTTP 500: ${WITHHELD}`],
    ['a 400', { kind: 'status', status: 400 }, 'rejected', `HTTP 400: ${WITHHELD}`],
    ['a web page', { kind: 'wrongType' }, 'unexpected_answer', 'expected JSON'],
    ['a 404 for unknown credentials', 'wrong password', 'invalid_credentials', 'HTTP 404'],
  ]

  it.each(answers)(
    '%s is the Optimizer’s answer: shown, and nothing is saved',
    async (_, fault, code, detail) => {
      const app = servicesFor(world.dataDir, world.service, world.simulator.url)
      if (fault !== 'wrong password') world.simulator.inject({ route: 'POST /token', fault })
      const input = fault === 'wrong password' ? { ...officer, password: 'not the password' } : officer
      const failure = await failureOf(Promise.resolve(app.handlers.setUpCredentials(input)))
      expect(failure.code).toBe(code)
      expect(failure.detail).toContain(detail)
      expect(await keytar.getPassword(`${world.service}.sandbox`, 'officer')).toBeNull()
      expect(await app.handlers.getCredentialStatus(undefined)).toMatchObject({ state: 'none' })
    },
  )

  it('a change the Optimizer answers with a 500 is not saved either', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.setUpCredentials(officer)
    world.simulator.inject({ route: 'POST /token', fault: { kind: 'status', status: 500 } })
    await expect(app.handlers.updateCredentials({ pin: '11235813' })).rejects.toMatchObject({
      code: 'server_error',
    })
    expect((await keychainEntries(world.service)).officer.pin).toBe(officer.pin)
  })

  describe('saved, not checked, where the Optimizer was not reached', () => {
    let server: Server | undefined
    afterEach(() => {
      server?.closeAllConnections()
      server?.close()
    })

    const savedUnchecked = async (address: string) => {
      const app = servicesFor(world.dataDir, world.service, address, undefined, { transport: fast })
      expect(await app.handlers.setUpCredentials(officer)).toMatchObject({
        check: 'not_checked',
        status: { state: 'ready', optimizer: address },
      })
      await app.close()
    }

    it('no server at the address', async () => {
      await world.simulator.close()
      await savedUnchecked(world.simulator.url)
    })

    it('no answer in time', async () => {
      world.simulator.inject({ route: 'GET /tokens', fault: { kind: 'latency', ms: 3_000 } })
      await savedUnchecked(world.simulator.url)
    })

    it('a certificate this computer does not trust', async () => {
      server = createServer(selfSignedCertificate(), (_request, response) => response.end('{}'))
      await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
      await savedUnchecked(`https://127.0.0.1:${(server.address() as AddressInfo).port}/oneshot/api/v1`)
    })
  })

  it('a server that answers, but not in HTTP, was reached: shown, and nothing is saved', async () => {
    const garbage = createTcpServer((socket) => socket.end('garbage\r\n\r\n'))
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve))
    try {
      const address = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}/oneshot/api/v1`
      const app = servicesFor(world.dataDir, world.service, address, undefined, { transport: fast })
      const failure = await failureOf(Promise.resolve(app.handlers.setUpCredentials(officer)))
      expect(failure).toMatchObject({ code: 'unexpected_answer', detail: 'the answer is not HTTP' })
      expect(await keytar.getPassword(`${world.service}.sandbox`, 'officer')).toBeNull()
      await app.close()
    } finally {
      garbage.close()
    }
  })
})

describe('a lost answer to the check’s POST /token', () => {
  const tokensOnTheOptimizer = () => [...world.simulator.state.tokens.keys()]

  it.each([
    ['cut in the middle', { kind: 'reset' }],
    ['late past the limit', { kind: 'latency', ms: 3_000 }],
  ] as [string, Fault][])(
    '%s: the one new token of this username is this desk’s, deleted, and the credentials verified',
    async (_, fault) => {
      const before = tokensOnTheOptimizer()
      const app = servicesFor(world.dataDir, world.service, world.simulator.url, undefined, {
        transport: fast,
      })
      world.simulator.inject({ route: 'POST /token', fault })
      expect(await app.handlers.setUpCredentials(officer)).toMatchObject({ check: 'verified' })
      expect(tokensOnTheOptimizer()).toEqual(before)
      expect((await keychainEntries(world.service)).revokeLater).toBeNull()
      // Nothing of this desk's is left to pass for another's: token mode works at once.
      expect(await app.handlers.createOptimizerToken(undefined)).toMatchObject({ mode: 'token' })
      expect(await app.handlers.verifyCredentials(undefined)).toEqual({ method: 'token' })
      await app.close()
    },
  )

  it('with no new token to be found, says the answer was lost, not that the Optimizer was not reached', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url, undefined, {
      transport: fast,
    })
    // The request arrives and the connection is cut before the Optimizer does anything.
    world.simulator.inject({ route: 'POST /token', fault: { kind: 'drop' } })
    expect(await app.handlers.setUpCredentials(officer)).toMatchObject({
      check: 'answer_lost',
      status: { state: 'ready' },
    })
    world.simulator.inject({ route: 'POST /token', fault: { kind: 'drop' } })
    await expect(app.handlers.verifyCredentials(undefined)).rejects.toMatchObject({ code: 'answer_lost' })
    await app.close()
  })
})
