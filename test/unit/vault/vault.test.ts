import keytar from '@github/keytar'
import { describe, expect, it } from 'vitest'
import { startSimulator } from '../../simulator/server'
import { eachTestWorld, OFFICER, readTree, SECRETS, servicesFor } from './fixtures'

// These tests use the real system keychain (a private, unlocked GNOME Keyring under `npm test` on Linux)
// under a test-only service name, and remove what they stored.
const world = eachTestWorld()

const { billingUsername: _b, billingPassword: _p, ...officerOnly } = OFFICER

describe('credential vault on the real keychain', () => {
  it('leads a newcomer to set-up, then holds the credentials without showing them', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    expect(await app.handlers.getCredentialStatus(undefined)).toEqual({
      environment: 'sandbox',
      state: 'none',
    })
    const { status, check } = await app.handlers.setUpCredentials(OFFICER)
    // Checked with the Optimizer before it was saved (a token made and deleted again).
    expect(check).toBe('verified')
    expect(status).toEqual({
      environment: 'sandbox',
      state: 'ready',
      username: OFFICER.username,
      rao: OFFICER.rao,
      mode: 'credentials',
      billingUsername: OFFICER.billingUsername,
      optimizer: world.simulator.url,
    })
    const entry = await keytar.getPassword(`${world.service}.sandbox`, 'officer')
    expect(JSON.parse(entry ?? '{}')).toMatchObject({ password: OFFICER.password, pin: OFFICER.pin })
    for (const secret of SECRETS) expect(readTree(world.dataDir)).not.toContain(secret)
    expect(world.simulator.decisions).toEqual([])
    expect(world.simulator.state.tokens.size).toBe(0)
  })

  it('reads the credentials after a restart with no network at all', async () => {
    await servicesFor(world.dataDir, world.service, world.simulator.url).handlers.setUpCredentials(
      officerOnly,
    )
    await world.simulator.close()
    const restarted = servicesFor(world.dataDir, world.service, world.simulator.url)
    expect(await restarted.handlers.getCredentialStatus(undefined)).toMatchObject({
      state: 'ready',
      username: OFFICER.username,
    })
    world.simulator = await startSimulator({ raos: [OFFICER] })
  })

  it('changes the PIN, and the next decision carries the new one', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.setUpCredentials(officerOnly)
    world.simulator.state.raos[0] = { ...OFFICER, pin: '31415926' }
    const target = [...world.simulator.state.cases.values()].find(
      (c) => c.status === 'VIDEOREVIEW' && c.mode === 'one-step',
    )
    if (!target) throw new Error('no case to approve')
    await expect(
      app.oneshot.approve(
        target.videoidPk,
        await app.credentials.authority({ optimizer: world.simulator.url, environment: 'sandbox' }),
      ),
    ).rejects.toMatchObject({ code: 'invalid_credentials' })
    await app.handlers.updateCredentials({ pin: '31415926' })
    await app.oneshot.approve(
      target.videoidPk,
      await app.credentials.authority({ optimizer: world.simulator.url, environment: 'sandbox' }),
    )
    expect(target.status).toBe('ENROLLREADY')
  })

  it('says so, and goes back to set-up, when the entry is removed behind its back', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.setUpCredentials(officerOnly)
    await keytar.deletePassword(`${world.service}.sandbox`, 'officer')
    const status = await app.handlers.getCredentialStatus(undefined)
    expect(status).toMatchObject({
      state: 'lost',
      username: OFFICER.username,
      problem: { code: 'credentials_lost' },
    })
    await expect(
      app.credentials.authority({ optimizer: world.simulator.url, environment: 'sandbox' }),
    ).rejects.toMatchObject({
      code: 'credentials_lost',
    })
    expect((await app.handlers.setUpCredentials(officerOnly)).status).toMatchObject({ state: 'ready' })
  })

  it('keeps sandbox and production apart', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.setUpCredentials(officerOnly)
    app.handlers.saveSettings({ environment: 'prod' })
    expect(await app.handlers.getCredentialStatus(undefined)).toEqual({ environment: 'prod', state: 'none' })
    app.handlers.saveSettings({ environment: 'sandbox' })
    expect(await app.handlers.getCredentialStatus(undefined)).toMatchObject({ state: 'ready' })
  })

  it('forgets everything', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.setUpCredentials(OFFICER)
    expect(await app.handlers.forgetCredentials(undefined)).toEqual({ tokenRevoked: null })
    expect(await keytar.getPassword(`${world.service}.sandbox`, 'officer')).toBeNull()
    expect(await app.handlers.getCredentialStatus(undefined)).toEqual({
      environment: 'sandbox',
      state: 'none',
    })
    expect(readTree(world.dataDir)).not.toContain(OFFICER.username)
  })

  it('verifies with the Optimizer only when asked, leaving no token behind', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.setUpCredentials(officerOnly)
    expect(await app.handlers.verifyCredentials(undefined)).toEqual({ method: 'credentials' })
    expect(world.simulator.state.tokens.size).toBe(0)
    // A wrong password is refused by the Optimizer as it is saved, and not saved.
    await expect(app.handlers.updateCredentials({ password: 'not-the-password' })).rejects.toMatchObject({
      code: 'invalid_credentials',
    })
    expect(
      JSON.parse((await keytar.getPassword(`${world.service}.sandbox`, 'officer')) ?? '{}').password,
    ).toBe(OFFICER.password)
    expect(await app.handlers.verifyCredentials(undefined)).toEqual({ method: 'credentials' })
    expect(world.simulator.state.tokens.size).toBe(0)
  })

  it('token mode: create, read its parts, decide with it, revoke, and back to the credentials', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.setUpCredentials(officerOnly)
    expect(await app.handlers.createOptimizerToken(undefined)).toMatchObject({
      state: 'ready',
      mode: 'token',
    })
    expect(world.simulator.state.tokens.size).toBe(1)
    expect(await app.handlers.getTokenInfo(undefined)).toEqual({
      username: OFFICER.username,
      hasPassword: true,
      hasPin: true,
    })
    expect(await app.handlers.verifyCredentials(undefined)).toEqual({ method: 'token' })
    const target = [...world.simulator.state.cases.values()].find(
      (c) => c.status === 'VIDEOREVIEW' && c.mode === 'one-step',
    )
    if (!target) throw new Error('no case to approve')
    await app.oneshot.approve(
      target.videoidPk,
      await app.credentials.authority({ optimizer: world.simulator.url, environment: 'sandbox' }),
    )
    expect(target.status).toBe('ENROLLREADY')
    expect(await app.handlers.revokeOptimizerToken(undefined)).toMatchObject({ mode: 'credentials' })
    expect(world.simulator.state.tokens.size).toBe(0)
  })

  it('token mode: a token deleted on the Optimizer falls back to the full credentials', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.setUpCredentials(officerOnly)
    await app.handlers.createOptimizerToken(undefined)
    world.simulator.state.tokens.clear()
    await expect(app.handlers.getTokenInfo(undefined)).rejects.toMatchObject({ code: 'not_found' })
    expect(await app.handlers.getCredentialStatus(undefined)).toMatchObject({ mode: 'credentials' })
    expect(await app.handlers.verifyCredentials(undefined)).toEqual({ method: 'credentials' })
  })

  it('forgetting in token mode revokes the token on the Optimizer', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.setUpCredentials(officerOnly)
    await app.handlers.createOptimizerToken(undefined)
    expect(await app.handlers.forgetCredentials(undefined)).toEqual({ tokenRevoked: true })
    expect(world.simulator.state.tokens.size).toBe(0)
  })

  it('forgetting in token mode while the Optimizer is away keeps the token’s id, and revokes it later', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.setUpCredentials(officerOnly)
    await app.handlers.createOptimizerToken(undefined)
    const [uid] = [...world.simulator.state.tokens.keys()]
    const port = Number(new URL(world.simulator.url).port)
    await world.simulator.close()
    expect(await app.handlers.forgetCredentials(undefined)).toEqual({ tokenRevoked: false })
    expect(await app.handlers.getCredentialStatus(undefined)).toMatchObject({ state: 'none' })
    // Only the uid is kept, in the keychain beside where the credentials were: never in a file.
    expect(
      JSON.parse((await keytar.getPassword(`${world.service}.sandbox`, 'revoke-later')) ?? '[]'),
    ).toEqual([{ uid, optimizer: world.simulator.url }])
    expect(readTree(world.dataDir)).not.toContain(uid)

    world.simulator = await startSimulator({ raos: [OFFICER], port })
    world.simulator.state.tokens.set(uid ?? '', {
      username: OFFICER.username,
      password: OFFICER.password,
      pin: OFFICER.pin,
    })
    // The next sync that reaches the Optimizer revokes it, on its own.
    await app.handlers.syncCases(undefined)
    await expect.poll(() => world.simulator.state.tokens.size).toBe(0)
    await expect.poll(() => keytar.getPassword(`${world.service}.sandbox`, 'revoke-later')).toBeNull()
  })

  it('recovers from a token a check left behind, rather than stalling on “already exists”', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.setUpCredentials(officerOnly)
    world.simulator.inject({ route: 'DELETE /token/*', fault: { kind: 'status', status: 503 } })
    expect(await app.handlers.verifyCredentials(undefined)).toEqual({ method: 'credentials' })
    expect(world.simulator.state.tokens.size).toBe(1) // the check's own token, whose delete failed
    expect(await app.handlers.createOptimizerToken(undefined)).toMatchObject({ mode: 'token' })
    expect(world.simulator.state.tokens.size).toBe(1)
    const status = await app.handlers.getTokenInfo(undefined)
    expect(status).toMatchObject({ username: OFFICER.username, hasPassword: true, hasPin: true })
  })

  it('saves credentials unchecked while the Optimizer is away, and says they were not checked', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await world.simulator.close()
    const saved = await app.handlers.setUpCredentials(officerOnly)
    expect(saved).toMatchObject({
      status: { state: 'ready', username: OFFICER.username },
      check: 'not_checked',
    })
  })
})
