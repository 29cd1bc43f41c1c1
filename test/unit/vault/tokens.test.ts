import { describe, expect, it } from 'vitest'
import { startSimulator } from '../../simulator/server'
import { eachTestWorld, keychainEntries, OFFICER, servicesFor } from './fixtures'

// The Optimizer keeps one token per set of credentials, and other systems make tokens for the same
// officer: another workstation, the RA's own back end. This desk deletes only the tokens it made.
const world = eachTestWorld()

const { billingUsername: _b, billingPassword: _p, ...officer } = OFFICER
const FOREIGN = 'f0e1d2c3-b4a5-4697-8899-aabbccddeeff'
const deletesOf = (uid: string) =>
  world.simulator.requests.filter((request) => request.method === 'DELETE' && request.path.endsWith(uid))

describe('Optimizer tokens: only this desk’s are ever deleted', () => {
  it('leaves alone a token another system made with the same credentials, and says so', async () => {
    // Another workstation in token mode holds exactly these credentials: the Optimizer refuses a second token.
    world.simulator.state.tokens.set(FOREIGN, {
      username: officer.username,
      password: officer.password,
      pin: officer.pin,
    })
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)

    const saved = await app.handlers.setUpCredentials(officer)
    expect(saved).toMatchObject({ check: 'token_elsewhere', status: { state: 'ready' } })
    await expect(app.handlers.verifyCredentials(undefined)).rejects.toMatchObject({ code: 'foreign_token' })
    await expect(app.handlers.createOptimizerToken(undefined)).rejects.toMatchObject({
      code: 'foreign_token',
    })
    expect(await app.handlers.getCredentialStatus(undefined)).toMatchObject({ mode: 'credentials' })

    expect(world.simulator.state.tokens.has(FOREIGN)).toBe(true)
    expect(deletesOf(FOREIGN)).toEqual([])
  })

  it('deletes its own leftover on “already exists”, and nobody else’s token of the same officer', async () => {
    // The RA's back end holds a token of the same username with other parts: no conflict, and not ours.
    world.simulator.state.tokens.set(FOREIGN, { username: officer.username, password: officer.password })
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.setUpCredentials(officer)
    // A check whose delete failed leaves this desk's token behind, kept in the keychain as its own.
    world.simulator.inject({ route: 'DELETE /token/*', fault: { kind: 'status', status: 503 } })
    expect(await app.handlers.verifyCredentials(undefined)).toEqual({ method: 'credentials' })
    const [leftover] = [...world.simulator.state.tokens.keys()].filter((uid) => uid !== FOREIGN)
    expect((await keychainEntries(world.service)).revokeLater).toEqual([
      { uid: leftover, optimizer: world.simulator.url },
    ])

    expect(await app.handlers.createOptimizerToken(undefined)).toMatchObject({ mode: 'token' })
    const { officer: entry, revokeLater } = await keychainEntries(world.service)
    expect(new Set(world.simulator.state.tokens.keys())).toEqual(new Set([FOREIGN, entry.tokenUid]))
    expect(entry.tokenUid).not.toBe(leftover)
    expect(revokeLater).toBeNull()
    expect(deletesOf(FOREIGN)).toEqual([])
  })

  it('makes a new token after a password or PIN change in token mode, and revokes its old one', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.setUpCredentials(officer)
    await app.handlers.createOptimizerToken(undefined)
    const before = (await keychainEntries(world.service)).officer.tokenUid

    const newPin = '27182818'
    world.simulator.state.raos[0] = { ...OFFICER, pin: newPin }
    const saved = await app.handlers.updateCredentials({ pin: newPin })
    expect(saved).toMatchObject({ check: 'verified', status: { mode: 'token' } })
    const after = (await keychainEntries(world.service)).officer.tokenUid
    expect(after).not.toBe(before)
    expect([...world.simulator.state.tokens.entries()]).toEqual([
      [after, { username: officer.username, password: officer.password, pin: newPin }],
    ])
    // Decisions carry the token, which holds the PIN in force.
    const target = [...world.simulator.state.cases.values()].find(
      (item) => item.status === 'VIDEOREVIEW' && item.mode === 'one-step',
    )
    if (!target) throw new Error('no case to approve')
    await app.oneshot.approve(
      target.videoidPk,
      await app.credentials.authority({ optimizer: world.simulator.url, environment: 'sandbox' }),
    )
    expect(target.status).toBe('ENROLLREADY')
  })

  it('a PIN changed in token mode while the Optimizer is away leaves token mode, and the old token is revoked later', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.setUpCredentials(officer)
    await app.handlers.createOptimizerToken(undefined)
    const [old] = world.simulator.state.tokens.keys()
    const port = Number(new URL(world.simulator.url).port)
    await world.simulator.close()

    const saved = await app.handlers.updateCredentials({ pin: '14142135' })
    // Not checked, and no token holding the old PIN is left in use.
    expect(saved).toMatchObject({ check: 'not_checked', status: { mode: 'credentials' } })
    expect((await keychainEntries(world.service)).revokeLater).toEqual([
      { uid: old, optimizer: world.simulator.url },
    ])

    world.simulator = await startSimulator({ raos: [OFFICER], port })
    world.simulator.state.tokens.set(old ?? '', { username: officer.username })
    await app.handlers.syncCases(undefined)
    await app.close()
    expect(world.simulator.state.tokens.size).toBe(0)
  })
})

describe('a 404 to a token counts only where the address answers as an Optimizer', () => {
  /** A proxy in front that answers 404 to this route and to `/hello` (the rule of `gone.ts`). */
  const proxy404 = (route: string) => {
    world.simulator.inject({ route, fault: { kind: 'status', status: 404 } })
    world.simulator.inject({ route: 'GET /hello', fault: { kind: 'status', status: 404 } })
  }

  it('a proxy’s 404 deletes nothing of this desk’s: the token is kept, in use or to revoke later', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.setUpCredentials(officer)
    await app.handlers.createOptimizerToken(undefined)
    const uid = (await keychainEntries(world.service)).officer.tokenUid

    proxy404('GET /token/*')
    await expect(app.handlers.verifyCredentials(undefined)).rejects.toMatchObject({
      code: 'unexpected_answer',
    })
    proxy404('GET /token/*')
    await expect(app.handlers.getTokenInfo(undefined)).rejects.toMatchObject({ code: 'unexpected_answer' })
    proxy404('DELETE /token/*')
    await expect(app.handlers.revokeOptimizerToken(undefined)).rejects.toMatchObject({
      code: 'unexpected_answer',
    })
    expect((await keychainEntries(world.service)).officer.tokenUid).toBe(uid)

    proxy404('DELETE /token/*')
    expect(await app.handlers.forgetCredentials(undefined)).toEqual({ tokenRevoked: false })
    expect((await keychainEntries(world.service)).revokeLater).toEqual([
      { uid, optimizer: world.simulator.url },
    ])
    expect(world.simulator.state.tokens.has(uid)).toBe(true)
    // Once the Optimizer itself answers, the waiting uid is revoked there.
    await app.handlers.syncCases(undefined)
    await app.close()
    expect(world.simulator.state.tokens.has(uid)).toBe(false)
    expect((await keychainEntries(world.service)).revokeLater).toBeNull()
  })

  it('the Optimizer’s own 404 means the token is gone: decisions go back to the credentials', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.setUpCredentials(officer)
    await app.handlers.createOptimizerToken(undefined)
    world.simulator.state.tokens.clear()
    expect(await app.handlers.verifyCredentials(undefined)).toEqual({ method: 'credentials' })
    expect(await app.handlers.getCredentialStatus(undefined)).toMatchObject({ mode: 'credentials' })
    await app.close()
  })
})
