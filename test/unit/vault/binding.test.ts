import keytar from '@github/keytar'
import { describe, expect, it } from 'vitest'
import { sameOptimizer } from '../../../main/vault/vault'
import { type Simulator, startSimulator } from '../../simulator/server'
import { cleanKeychain } from '../../support/keychain'
import { FULL_CHECKLIST } from '../decisions/checklist'
import { eachTestWorld, keychainEntries, newDataDir, OFFICER, servicesFor, testService } from './fixtures'

// The credentials (and their token, and the tokens waiting to be revoked) are bound to the Optimizer
// address they were checked with. A second simulator stands for another address: it knows the officer
// too, so anything sent there would be accepted, and it counts what reached it.
const world = eachTestWorld()

const NEW_PASSWORD = 'Moved"Pass\\word ñ+/=77'
const reviewCase = (simulator: Simulator) => {
  const found = [...simulator.state.cases.values()].find(
    (item) => item.status === 'VIDEOREVIEW' && item.mode === 'one-step',
  )
  if (!found) throw new Error('no case to decide')
  return found.videoidPk
}

describe('credentials bound to the Optimizer address they were checked with', () => {
  it('sends nothing of them to another address, by any path, until they are entered again for it', async () => {
    const first = world.simulator
    const app = servicesFor(world.dataDir, world.service, first.url)
    await app.handlers.setUpCredentials(OFFICER)
    await app.handlers.createOptimizerToken(undefined)
    // A password change in token mode makes a new token; the old one cannot be deleted now, so it waits.
    first.state.raos[0] = { ...OFFICER, password: NEW_PASSWORD }
    first.inject({ route: 'DELETE /token/*', fault: { kind: 'status', status: 503 } })
    await app.handlers.updateCredentials({ password: NEW_PASSWORD })
    const { officer, revokeLater } = await keychainEntries(world.service)
    const tokens = [officer.tokenUid, ...revokeLater.map((token: { uid: string }) => token.uid)]
    expect(tokens).toHaveLength(2)

    const second = await startSimulator({ raos: [{ ...OFFICER, password: NEW_PASSWORD }] })
    second.state.billing = undefined // so that a new Video ID would need the officer's billing account
    try {
      app.handlers.saveSettings({ optimizerUrl: second.url })
      expect(await app.handlers.getCredentialStatus(undefined)).toMatchObject({
        state: 'other_optimizer',
        username: OFFICER.username,
        optimizer: first.url,
        problem: { code: 'credentials_other_optimizer' },
      })
      const elsewhere = { code: 'credentials_other_optimizer' }
      await expect(app.handlers.verifyCredentials(undefined)).rejects.toMatchObject(elsewhere)
      await expect(app.handlers.getTokenInfo(undefined)).rejects.toMatchObject(elsewhere)
      await expect(app.handlers.revokeOptimizerToken(undefined)).rejects.toMatchObject(elsewhere)
      await expect(app.handlers.createOptimizerToken(undefined)).rejects.toMatchObject(elsewhere)
      await expect(app.handlers.updateCredentials({ pin: OFFICER.pin })).rejects.toMatchObject(elsewhere)
      // Decisions read the authority first: none is given for this address, and nothing is sent.
      await expect(
        app.credentials.authority({ optimizer: second.url, environment: 'sandbox' }),
      ).rejects.toMatchObject(elsewhere)
      await app.handlers.addCases({ text: '16673,923056,lucia.garcia@example.org' })
      await expect(
        app.handlers.decide({ action: 'approve', videoidPk: 16673, checklist: FULL_CHECKLIST }),
      ).rejects.toMatchObject(elsewhere)
      await expect(
        app.handlers.decide({
          action: 'refuse',
          videoidPk: 16673,
          checklist: { checked: [], securityFeatures: [], snapshots: {} },
          reason: { code: 'face_mismatch', text: '' },
          language: 'en',
        }),
      ).rejects.toMatchObject(elsewhere)
      // Journaled as never sent, so nothing waits to be settled.
      const phases = (await app.handlers.getJournal(undefined)).entries.flatMap((entry) =>
        entry.type === 'decision' ? [entry.phase] : [],
      )
      expect(phases).toEqual(['intended', 'not_sent', 'intended', 'not_sent'])
      await expect(
        app.handlers.createVideoId({
          mobilePhoneNumber: '+34600000009',
          email: 'moved@example.org',
          registrationAuthority: OFFICER.rao,
          profile: 'P',
        }),
      ).rejects.toMatchObject({ code: 'billing_missing' })
      await app.handlers.checkConnection(undefined)
      await app.handlers.syncCases(undefined)
      await app.close()

      // The second Optimizer was called (a check, a sync, the settings) and received none of it.
      expect(second.requests.length).toBeGreaterThan(2)
      const secrets = [NEW_PASSWORD, OFFICER.pin, OFFICER.billingPassword, ...tokens]
      expect(second.requestsCarrying(...secrets)).toBe(0)
      expect(second.state.tokens.size).toBe(0)
      expect(second.decisions).toEqual([])
    } finally {
      await second.close()
    }
  })

  it('is used at the new address once the password and PIN are entered again there; the old token waits for its own', async () => {
    const first = world.simulator
    const app = servicesFor(world.dataDir, world.service, first.url)
    await app.handlers.setUpCredentials(OFFICER)
    await app.handlers.createOptimizerToken(undefined)
    const [token] = first.state.tokens.keys()
    const second = await startSimulator({ raos: [OFFICER] })
    try {
      app.handlers.saveSettings({ optimizerUrl: second.url })
      const saved = await app.handlers.setUpCredentials({
        username: OFFICER.username,
        rao: OFFICER.rao,
        password: OFFICER.password,
        pin: OFFICER.pin,
      })
      expect(saved).toMatchObject({
        check: 'verified',
        status: { state: 'ready', optimizer: second.url, mode: 'credentials' },
      })
      // Entered again for it: now, and only now, they reach the second Optimizer.
      expect(second.requestsCarrying(OFFICER.password, OFFICER.pin)).toBeGreaterThan(0)
      await app.oneshot.approve(
        reviewCase(second),
        await app.credentials.authority({ optimizer: second.url, environment: 'sandbox' }),
      )
      // The first Optimizer's token never went to the second; it waits, bound to its own.
      expect(second.requestsCarrying(token ?? '')).toBe(0)
      expect((await keychainEntries(world.service)).revokeLater).toEqual([
        { uid: token, optimizer: first.url },
      ])

      // Back at the first address: credentials bound to the second are not sent there, the token is revoked.
      app.handlers.saveSettings({ optimizerUrl: first.url })
      expect(await app.handlers.getCredentialStatus(undefined)).toMatchObject({ state: 'other_optimizer' })
      await app.handlers.syncCases(undefined)
      await app.close()
      expect(first.state.tokens.size).toBe(0)
      expect((await keychainEntries(world.service)).revokeLater).toBeNull()
    } finally {
      await second.close()
    }
  })

  it('binds an entry saved before binding to the address in the settings, once, at its first read', async () => {
    const first = world.simulator
    // As the previous version left them: no address in the entry, bare uids waiting to be revoked.
    const { billingUsername: _u, billingPassword: _p, ...legacy } = OFFICER
    await keytar.setPassword(`${world.service}.sandbox`, 'officer', JSON.stringify(legacy))
    first.state.tokens.set('legacy-token-uid', { username: OFFICER.username })
    await keytar.setPassword(`${world.service}.sandbox`, 'revoke-later', JSON.stringify(['legacy-token-uid']))

    const app = servicesFor(world.dataDir, world.service, first.url)
    expect(await app.handlers.getCredentialStatus(undefined)).toMatchObject({
      state: 'ready',
      optimizer: first.url,
    })
    expect((await keychainEntries(world.service)).officer).toEqual({ ...legacy, optimizer: first.url })

    const second = await startSimulator({ raos: [OFFICER] })
    try {
      app.handlers.saveSettings({ optimizerUrl: second.url })
      // Bound once: a later address does not take them over.
      expect(await app.handlers.getCredentialStatus(undefined)).toMatchObject({ state: 'other_optimizer' })
      await expect(
        app.credentials.authority({ optimizer: second.url, environment: 'sandbox' }),
      ).rejects.toMatchObject({
        code: 'credentials_other_optimizer',
      })
      await app.handlers.syncCases(undefined)
      expect(second.requestsCarrying(OFFICER.password, OFFICER.pin, 'legacy-token-uid')).toBe(0)

      app.handlers.saveSettings({ optimizerUrl: first.url })
      await app.handlers.syncCases(undefined)
      await app.close()
      expect(first.state.tokens.has('legacy-token-uid')).toBe(false)
    } finally {
      await second.close()
    }
  })

  it('keeps uids saved before binding with the address their entry was first bound to, whatever follows', async () => {
    const first = world.simulator
    const { billingUsername: _u, billingPassword: _p, ...legacy } = OFFICER
    await keytar.setPassword(`${world.service}.sandbox`, 'officer', JSON.stringify(legacy))
    first.state.tokens.set('legacy-token-uid', { username: OFFICER.username })
    await keytar.setPassword(`${world.service}.sandbox`, 'revoke-later', JSON.stringify(['legacy-token-uid']))
    // The first Optimizer cannot delete it yet, so it stays waiting.
    first.inject({ route: 'DELETE /token/*', fault: { kind: 'status', status: 503 }, times: 100 })
    const app = servicesFor(world.dataDir, world.service, first.url)
    expect(await app.handlers.getCredentialStatus(undefined)).toMatchObject({ optimizer: first.url })

    // Entered again for an address that cannot be reached: saved there unchecked, no token list read.
    const nowhere = 'http://127.0.0.1:9/oneshot/api/v1'
    app.handlers.saveSettings({ optimizerUrl: nowhere })
    expect(await app.handlers.setUpCredentials(legacy)).toMatchObject({ check: 'not_checked' })
    expect((await keychainEntries(world.service)).revokeLater).toEqual([
      { uid: 'legacy-token-uid', optimizer: first.url },
    ])
    first.clearFaults()
    app.handlers.saveSettings({ optimizerUrl: first.url })
    await app.handlers.syncCases(undefined)
    await app.close()
    expect(first.state.tokens.has('legacy-token-uid')).toBe(false)
  })

  it('forgets credentials checked elsewhere without sending their token to the address in use', async () => {
    const first = world.simulator
    const app = servicesFor(world.dataDir, world.service, first.url)
    await app.handlers.setUpCredentials(OFFICER)
    await app.handlers.createOptimizerToken(undefined)
    const [token] = first.state.tokens.keys()
    const second = await startSimulator({ raos: [OFFICER] })
    try {
      app.handlers.saveSettings({ optimizerUrl: second.url })
      expect(await app.handlers.forgetCredentials(undefined)).toEqual({ tokenRevoked: false })
      expect(second.requestsCarrying(token ?? '')).toBe(0)
      expect((await keychainEntries(world.service)).revokeLater).toEqual([
        { uid: token, optimizer: first.url },
      ])
      await app.close()
    } finally {
      await second.close()
    }
  })

  it('tells addresses apart by scheme, host, port and path; a trailing slash is the same address', () => {
    const address = 'https://optimizer.example:8443/oneshot/api/v1'
    expect(sameOptimizer(address, `${address}/`)).toBe(true)
    for (const other of [
      'http://optimizer.example:8443/oneshot/api/v1',
      'https://optimizer.example:8444/oneshot/api/v1',
      'https://other.example:8443/oneshot/api/v1',
      'https://optimizer.example:8443/oneshot/api/v2',
      'https://optimizer.example:8443/',
    ])
      expect(sameOptimizer(address, other), other).toBe(false)
  })
})

describe('a decision carries the credentials of the scope it started in', () => {
  const PROD = { username: '9005555', password: 'Prod"Only\\pw ñ+/=', pin: '99887766', rao: '1555' }

  /** Both environments set up, sandbox in use with a case to decide; the test's own simulator. */
  async function bothEnvironments(
    run: (app: ReturnType<typeof servicesFor>, simulator: Simulator) => Promise<void>,
  ) {
    const simulator = await startSimulator({ raos: [OFFICER, PROD] })
    const service = testService()
    try {
      const app = servicesFor(newDataDir(), service, simulator.url)
      await app.handlers.saveSettings({ environment: 'prod' })
      await app.handlers.setUpCredentials(PROD)
      await app.handlers.saveSettings({ environment: 'sandbox' })
      await app.handlers.setUpCredentials(OFFICER)
      await app.handlers.addCases({ text: '16673,923056,lucia.garcia@example.org' })
      await run(app, simulator)
      await app.close()
    } finally {
      await simulator.close()
      await cleanKeychain(service)
    }
  }
  /** A decision, and the switch to production the moment it has taken its scope, before it reads anything. */
  async function decideThenSwitch(app: ReturnType<typeof servicesFor>) {
    const decision = app.handlers.decide({ action: 'approve', videoidPk: 16673, checklist: FULL_CHECKLIST })
    await app.handlers.saveSettings({ environment: 'prod' })
    return decision
  }
  const decisionEntries = async (app: ReturnType<typeof servicesFor>) => {
    await app.handlers.saveSettings({ environment: 'sandbox' })
    return (await app.handlers.getJournal(undefined)).entries.flatMap((entry) =>
      entry.type === 'decision' ? [[entry.phase, entry.officer, entry.environment]] : [],
    )
  }

  it('an environment switched while a decision is on its way changes neither its authority nor its officer', async () => {
    await bothEnvironments(async (app, simulator) => {
      expect((await decideThenSwitch(app)).case.status).toBe('ENROLLREADY')
      const [approve] = simulator.requests.filter((request) => request.path.endsWith('/approve'))
      expect(JSON.parse(approve?.body ?? '{}')).toMatchObject({
        username: OFFICER.username,
        pin: OFFICER.pin,
        rao: OFFICER.rao,
      })
      expect(simulator.decisions).toEqual([{ action: 'approve', videoidPk: 16673 }])
      expect(await decisionEntries(app)).toEqual([
        ['intended', OFFICER.username, 'sandbox'],
        ['done', OFFICER.username, 'sandbox'],
      ])
    })
  })

  it('a token the Optimizer deleted is read and dropped in the decision’s own environment, not the one switched to', async () => {
    await bothEnvironments(async (app, simulator) => {
      await app.handlers.createOptimizerToken(undefined)
      simulator.state.tokens.clear()
      // Production has credentials and no token: only sandbox's own token tells the decision to retry.
      expect((await decideThenSwitch(app)).case.status).toBe('ENROLLREADY')
      // The second try carried sandbox's own credentials.
      const approves = simulator.requests.filter((request) => request.path.endsWith('/approve'))
      expect(approves).toHaveLength(2)
      expect(JSON.parse(approves[1]?.body ?? '{}')).toMatchObject({
        username: OFFICER.username,
        pin: OFFICER.pin,
      })
      expect(await decisionEntries(app)).toEqual([
        ['intended', OFFICER.username, 'sandbox'],
        ['refused', OFFICER.username, 'sandbox'],
        ['intended', OFFICER.username, 'sandbox'],
        ['done', OFFICER.username, 'sandbox'],
      ])
      expect(await app.handlers.getCredentialStatus(undefined)).toMatchObject({
        environment: 'sandbox',
        mode: 'credentials',
      })
    })
  })
})
