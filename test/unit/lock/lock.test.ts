import { readFileSync } from 'node:fs'
import path from 'node:path'
import keytar from '@github/keytar'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bindServices } from '../../../main/bindings'
import type { TouchId } from '../../../main/lock/lock-service'
import { createLogger } from '../../../main/log'
import { invokeNames } from '../../../shared/channels'
import type { CaseDecisions, JournalEntry } from '../../../shared/decisions'
import { FULL_CHECKLIST } from '../decisions/checklist'
import { eachTestWorld, OFFICER, readTree, servicesFor } from '../vault/fixtures'
import { desk as deskIn, JAVIER, LUCIA, lockEntries, lockRecord, MINUTE } from './desk'

// The desk's lock on the app's own services, the real keychain and journal, against the simulator;
// the Electron edge (powerMonitor, Touch ID) and the clock are fakes the test drives.
const world = eachTestWorld()
const desk = (options?: Parameters<typeof deskIn>[1]) => deskIn(world, options)

/** What a locked desk still answers, written out here rather than taken from the gate. */
const OPEN = [
  'getSettings',
  'getLockState',
  'lockDesk',
  'unlockDesk',
  'unlockDeskWithTouchId',
  'reportActivity',
]

describe('the desk lock', () => {
  it('locks after the idle limit, later after input, sooner once the setting is shorter', async () => {
    const { app, clock } = await desk()
    await app.handlers.saveSettings({ idleLockMinutes: 2 })
    app.start()
    clock.advance(MINUTE)
    app.handlers.reportActivity(undefined)
    clock.advance(2 * MINUTE - 1000)
    expect(app.lock.locked()).toBe(false)
    clock.advance(1000)
    expect(app.lock.locked()).toBe(true)
    await expect.poll(() => lockEntries(app)).toEqual([['locked', 'idle', OFFICER.username]])

    // Input on a locked desk opens nothing.
    app.handlers.reportActivity(undefined)
    expect(app.lock.locked()).toBe(true)
    await app.handlers.unlockDesk({ pin: OFFICER.pin })
    await app.handlers.saveSettings({ idleLockMinutes: 1 })
    // The check armed for two minutes sees the shorter limit within ten seconds of it.
    clock.advance(MINUTE + 10_000)
    expect(app.lock.locked()).toBe(true)
    // The change of the control is itself journaled.
    const settings = (await app.handlers.getJournal(undefined)).entries.filter(
      (entry) => entry.type === 'setting',
    )
    expect(settings).toEqual([
      expect.objectContaining({ setting: 'idleLockMinutes', from: 5, to: 2 }),
      expect.objectContaining({ setting: 'idleLockMinutes', from: 2, to: 1 }),
    ])
    await app.close()
  })

  it('locks the moment the screen locks or the machine suspends, and where the system only tells its idle state', async () => {
    const { app, clock, powerMonitor, events } = await desk()
    app.start()
    powerMonitor.emit('lock-screen')
    expect(app.lock.locked()).toBe(true)
    expect(events.filter((event) => event.name === 'lockChanged').at(-1)?.payload).toEqual({
      locked: true,
      officer: OFFICER.username,
      unlockWith: 'pin',
      touchId: false,
    })
    await app.handlers.unlockDesk({ pin: OFFICER.pin })
    powerMonitor.emit('suspend')
    expect(app.lock.locked()).toBe(true)
    await app.handlers.unlockDesk({ pin: OFFICER.pin })
    powerMonitor.idleState = 'locked'
    clock.advance(10_000)
    expect(app.lock.locked()).toBe(true)
    await expect
      .poll(() => lockEntries(app))
      .toEqual([
        ['locked', 'screen_locked', OFFICER.username],
        ['unlocked', 'pin', OFFICER.username],
        ['locked', 'suspend', OFFICER.username],
        ['unlocked', 'pin', OFFICER.username],
        ['locked', 'screen_locked', OFFICER.username],
      ])
    await app.close()
  })

  it('refuses every other function while locked, whatever it is sent, and the media; decides nothing', async () => {
    const { app, events } = await desk()
    // Bound as the app and the harness bind them: the gate and the media's lock come with the binding.
    const { ipc: binding, media } = bindServices(app, {
      isTrustedSender: () => true,
      log: createLogger(() => undefined),
      media: {},
    })
    await app.handlers.openVideo({ videoidPk: LUCIA.videoidPk })
    await expect
      .poll(() => events.some((event) => JSON.stringify(event.payload).includes('"status":"ready"')))
      .toBe(true)
    expect((await media(new Request('rao-media://media/case/16673/video'))).status).toBe(200)

    await binding.dispatch('lockDesk', undefined, {})
    const decide = {
      action: 'approve',
      videoidPk: LUCIA.videoidPk,
      checklist: FULL_CHECKLIST,
    }
    for (const [name, input] of [
      ['decide', decide],
      ['getCaseBook', undefined],
      ['refreshCase', { videoidPk: LUCIA.videoidPk }],
      ['openVideo', { videoidPk: LUCIA.videoidPk }],
      ['getCaseDecisions', { videoidPk: LUCIA.videoidPk }],
      ['getJournal', undefined],
      ['saveSettings', { fourEyes: true }],
      ['updateCredentials', { pin: '1234' }],
      ['forgetCredentials', undefined],
    ] as const)
      expect(await binding.dispatch(name, input, {}), name).toMatchObject({
        ok: false,
        error: { code: 'desk_locked' },
      })
    const closed = invokeNames.filter((name) => !OPEN.includes(name))
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...closed), fc.anything(), async (name, input) => {
        const answer = await binding.dispatch(name, input, {})
        expect(answer).toMatchObject({ ok: false, error: { code: 'desk_locked' } })
      }),
      { numRuns: 300 },
    )
    expect((await media(new Request('rao-media://media/case/16673/video'))).status).toBe(423)
    expect(world.simulator.decisions).toEqual([])
    expect(
      await app.cases
        .list()
        .then((cases) => cases.find((item) => item.videoidPk === LUCIA.videoidPk)?.status),
    ).toBe('VIDEOREVIEW')

    // The settings still answer (the lock screen's language); a change to them does not.
    expect(await binding.dispatch('getSettings', undefined, {})).toMatchObject({ ok: true })
    await binding.dispatch('unlockDesk', { pin: OFFICER.pin }, {})
    // The idle limit is 1 to 30 minutes.
    for (const idleLockMinutes of [0, 31, 2.5])
      expect(await binding.dispatch('saveSettings', { idleLockMinutes }, {})).toMatchObject({
        ok: false,
        error: { code: 'invalid_input' },
      })
    expect(await binding.dispatch('decide', decide, {})).toMatchObject({ ok: true })
    expect(world.simulator.decisions).toEqual([{ action: 'approve', videoidPk: LUCIA.videoidPk }])
    expect((await media(new Request('rao-media://media/case/16673/video'))).status).toBe(200)
    await app.close()
  })

  it('goes on syncing while locked, holds the signers’ data from the page, and sends it on unlock', async () => {
    const { app, events } = await desk()
    await app.handlers.lockDesk(undefined)
    const target = world.simulator.state.cases.get(JAVIER.videoidPk)
    if (!target) throw new Error('the simulator’s seed changed')
    target.status = 'ENROLLREADY'
    const lockedAt = events.length
    app.start()
    // No window asks for the book while locked: the first round starts on its own, a few seconds in.
    await expect
      .poll(
        async () => (await app.cases.list()).find((item) => item.videoidPk === JAVIER.videoidPk)?.status,
        {
          timeout: 10_000,
        },
      )
      .toBe('ENROLLREADY')
    await expect(app.handlers.unlockDesk({ pin: '0000' })).rejects.toMatchObject({ code: 'wrong_pin' })
    const whileLocked = events.slice(lockedAt)
    expect(whileLocked.map((event) => event.name)).not.toContain('casesChanged')
    expect(whileLocked.map((event) => event.name)).not.toContain('journalAppended')
    expect(JSON.stringify(whileLocked)).not.toMatch(/Javier|Fernández|30918274H/)

    const openedAt = events.length
    await app.handlers.unlockDesk({ pin: OFFICER.pin })
    const released = events.slice(openedAt)
    const names = released.map((event) => event.name)
    // What was held comes first, so the page has it by the time it shows the desk again.
    expect(names.indexOf('casesChanged')).toBe(0)
    expect(names.indexOf('journalAppended')).toBeLessThan(names.indexOf('lockChanged'))
    expect(released[0]?.payload).toMatchObject({
      rows: [expect.objectContaining({ videoidPk: JAVIER.videoidPk, status: 'ENROLLREADY' })],
    })
    // The entries written while locked, in order, then the unlock's own: the page's journal misses none.
    const appended = released
      .filter((event) => event.name === 'journalAppended')
      .flatMap((event) => (event.payload as { entries: JournalEntry[] }).entries)
      .map((entry) => (entry.type === 'lock' ? entry.event : entry.type))
    expect(appended).toEqual(['locked', 'unlock_failed', 'unlocked'])
    await app.close()
  })

  it('holds a decision settled while locked, and sends it on unlock', async () => {
    const events: { name: string; payload: unknown }[] = []
    // Every ask reads the status again: the settling needs no wait of its own.
    const app = servicesFor(
      world.dataDir,
      world.service,
      world.simulator.url,
      (name, payload) => events.push({ name, payload }),
      { settle: { windowMs: 600_000, readEveryMs: 0 } },
    )
    await app.handlers.setUpCredentials(OFFICER)
    await app.handlers.addCases({ text: `${LUCIA.videoidPk},${LUCIA.requestPk},${LUCIA.check}` })
    world.simulator.inject({ route: 'POST /videoid/*/approve', fault: { kind: 'drop' } })
    await expect(
      app.handlers.decide({ action: 'approve', videoidPk: LUCIA.videoidPk, checklist: FULL_CHECKLIST }),
    ).rejects.toMatchObject({ code: 'outcome_unknown' })
    await app.handlers.lockDesk(undefined)
    const lockedAt = events.length
    // The slow server finishes while the desk is locked; main settles the decision meanwhile.
    const lucia = world.simulator.state.cases.get(LUCIA.videoidPk)
    if (!lucia) throw new Error('the simulator’s seed changed')
    lucia.status = 'ENROLLREADY'
    await app.decisions.settleDue()
    const settled = (await app.decisions.journal()).entries.at(-1)
    expect(settled).toMatchObject({ type: 'decision', phase: 'settled_done' })
    expect(events.slice(lockedAt).map((event) => event.name)).not.toContain('decisionsChanged')

    const openedAt = events.length
    await app.handlers.unlockDesk({ pin: OFFICER.pin })
    const released = events
      .slice(openedAt)
      .filter((event) => event.name === 'decisionsChanged')
      .map((event) => event.payload as CaseDecisions)
    expect(released).toEqual([
      expect.objectContaining({
        videoidPk: LUCIA.videoidPk,
        records: [expect.objectContaining({ action: 'approve', settledByStatus: true })],
      }),
    ])
    await app.close()
  })

  it('refuses a wrong PIN and journals it; after three, each try waits longer, the right PIN too', async () => {
    const { app, clock, events } = await desk()
    await app.handlers.lockDesk(undefined)
    for (let tries = 0; tries < 3; tries++)
      await expect(app.handlers.unlockDesk({ pin: '11111111' })).rejects.toMatchObject({ code: 'wrong_pin' })
    // Three wrong: the fourth waits 5 s, and a try meanwhile (even the right PIN) is not compared.
    expect((await app.lock.state()).retryAt).toBe(new Date(clock.now() + 5000).toISOString())
    expect(events.filter((event) => event.name === 'lockChanged').at(-1)?.payload).toMatchObject({
      retryAt: new Date(clock.now() + 5000).toISOString(),
    })
    await expect(app.handlers.unlockDesk({ pin: OFFICER.pin })).rejects.toMatchObject({ code: 'unlock_wait' })
    clock.advance(4999)
    await expect(app.handlers.unlockDesk({ pin: OFFICER.pin })).rejects.toMatchObject({ code: 'unlock_wait' })
    clock.advance(1)
    await expect(app.handlers.unlockDesk({ pin: '22222222' })).rejects.toMatchObject({ code: 'wrong_pin' })
    expect((await app.lock.state()).retryAt).toBe(new Date(clock.now() + 10_000).toISOString())
    clock.advance(10_000)
    await expect(app.handlers.unlockDesk({ pin: '33333333' })).rejects.toMatchObject({ code: 'wrong_pin' })
    expect((await app.lock.state()).retryAt).toBe(new Date(clock.now() + 20_000).toISOString())
    clock.advance(20_000)
    expect(await app.handlers.unlockDesk({ pin: OFFICER.pin })).toEqual({
      locked: false,
      officer: OFFICER.username,
      unlockWith: 'pin',
      touchId: false,
    })
    const failed = ['unlock_failed', 'wrong_pin', OFFICER.username]
    expect(await lockEntries(app)).toEqual([
      ['locked', 'on_demand', OFFICER.username],
      failed,
      failed,
      failed,
      failed,
      failed,
      ['unlocked', 'pin', OFFICER.username],
    ])
    // Forgiven once open: the next lock starts with three free tries again.
    await app.handlers.lockDesk(undefined)
    await expect(app.handlers.unlockDesk({ pin: '11111111' })).rejects.toMatchObject({ code: 'wrong_pin' })
    expect((await app.lock.state()).retryAt).toBeUndefined()
    await app.close()
  })

  it('compares tries sent together one at a time, so they cannot all pass before the wait', async () => {
    const { app } = await desk()
    await app.handlers.lockDesk(undefined)
    const answers = await Promise.allSettled(
      Array.from({ length: 6 }, (_, index) => app.handlers.unlockDesk({ pin: `4444444${index}` })),
    )
    expect(answers.map((answer) => (answer.status === 'rejected' ? answer.reason.code : 'opened'))).toEqual([
      'wrong_pin',
      'wrong_pin',
      'wrong_pin',
      'unlock_wait',
      'unlock_wait',
      'unlock_wait',
    ])
    expect((await lockEntries(app)).filter(([event]) => event === 'unlock_failed')).toHaveLength(3)
    await app.close()
  })

  it('compares the PIN in main only: not sent to the Optimizer, not answered, not logged, not written', async () => {
    const { app, events } = await desk()
    const sentBefore = world.simulator.requestsCarrying(OFFICER.pin)
    const eventsBefore = events.length
    await app.handlers.lockDesk(undefined)
    await expect(app.handlers.unlockDesk({ pin: `${OFFICER.pin}9` })).rejects.toMatchObject({
      code: 'wrong_pin',
    })
    const opened = await app.handlers.unlockDesk({ pin: OFFICER.pin })
    expect(world.simulator.requestsCarrying(OFFICER.pin)).toBe(sentBefore)
    expect(JSON.stringify(opened)).not.toContain(OFFICER.pin)
    expect(JSON.stringify(events.slice(eventsBefore))).not.toContain(OFFICER.pin)
    expect(app.lines.join('\n')).not.toContain(OFFICER.pin)
    await app.close()
    for (const file of ['decision-journal.jsonl', 'settings.json'])
      expect(readFileSync(path.join(world.dataDir, file), 'utf8')).not.toContain(OFFICER.pin)
    expect(readTree(world.dataDir)).not.toContain(`${OFFICER.pin}9`)
    expect(JSON.stringify(await lockRecord(world.service))).not.toContain(OFFICER.pin)
  })

  it('does not lock before set-up, and says why when asked to', async () => {
    const { app, clock } = await desk({ setUp: false })
    // Until its record is read from the keychain, the desk counts as locked: it fails closed.
    expect(app.refuse('getCaseBook')?.code).toBe('desk_locked')
    app.start()
    expect(await app.handlers.getLockState(undefined)).toEqual({
      locked: false,
      officer: '',
      unlockWith: 'set_up',
      touchId: false,
    })
    clock.advance(30 * MINUTE)
    expect(app.lock.locked()).toBe(false)
    await expect(app.handlers.lockDesk(undefined)).rejects.toMatchObject({ code: 'credentials_missing' })
    await app.close()
  })

  it('opens with Touch ID where the system has it, and journals a refusal', async () => {
    let confirm = false
    const touchId: TouchId = {
      available: () => true,
      prompt: async () => {
        if (!confirm) throw new Error('Touch ID cancelled')
      },
    }
    const { app } = await desk({ touchId })
    expect(await app.handlers.lockDesk(undefined)).toMatchObject({ locked: true, touchId: true })
    await expect(app.handlers.unlockDeskWithTouchId(undefined)).rejects.toMatchObject({
      code: 'touch_id_failed',
    })
    expect(app.lock.locked()).toBe(true)
    confirm = true
    expect(await app.handlers.unlockDeskWithTouchId(undefined)).toMatchObject({ locked: false })
    expect((await lockEntries(app)).slice(1)).toEqual([
      ['unlock_failed', 'touch_id', OFFICER.username],
      ['unlocked', 'touch_id', OFFICER.username],
    ])
    await app.close()
  })

  it('asks Touch ID for the credentials too: with none left in the keychain it opens nothing', async () => {
    const touchId: TouchId = { available: () => true, prompt: async () => undefined }
    const { app } = await desk({ touchId })
    await app.handlers.lockDesk(undefined)
    await keytar.deletePassword(`${world.service}.sandbox`, 'officer')
    await expect(app.handlers.unlockDeskWithTouchId(undefined)).rejects.toMatchObject({
      code: 'credentials_lost',
    })
    expect(app.lock.locked()).toBe(true)
    // Nor is it offered any more: the set-up is the way in.
    expect(await app.handlers.getLockState(undefined)).toMatchObject({
      locked: true,
      unlockWith: 'set_up',
      touchId: false,
    })
    await app.close()
  })

  it('stays locked when the desk locks again while a try to open it is checked', async () => {
    let meanwhile = () => undefined as unknown
    // The machine suspends while Touch ID asks; the officer then confirms.
    const touchId: TouchId = { available: () => true, prompt: async () => void meanwhile() }
    const { app, powerMonitor } = await desk({ touchId })
    app.start()
    await app.handlers.lockDesk(undefined)
    meanwhile = () => powerMonitor.emit('suspend')
    expect(await app.handlers.unlockDeskWithTouchId(undefined)).toMatchObject({ locked: true })
    expect(app.lock.locked()).toBe(true)
    expect(app.refuse('getCaseBook')?.code).toBe('desk_locked')
    expect(await lockEntries(app)).toEqual([
      ['locked', 'on_demand', OFFICER.username],
      ['locked', 'suspend', OFFICER.username],
    ])
    // The next try, with nothing locking it meanwhile, opens.
    meanwhile = () => undefined
    expect(await app.handlers.unlockDeskWithTouchId(undefined)).toMatchObject({ locked: false })
    await app.close()
  })

  it('answers the locked error to a call under way when the desk locks; a decision sent stays sent and journaled', async () => {
    const { app, events } = await desk()
    const { ipc } = bindServices(app, {
      isTrustedSender: () => true,
      log: createLogger(() => undefined),
      media: {},
    })
    // The Optimizer approves at once and answers late: the desk locks meanwhile.
    world.simulator.inject({ route: 'POST /videoid/*/approve', fault: { kind: 'latency', ms: 300 } })
    const decided = ipc.dispatch(
      'decide',
      { action: 'approve', videoidPk: LUCIA.videoidPk, checklist: FULL_CHECKLIST },
      {},
    )
    await expect.poll(() => world.simulator.decisions.length).toBe(1)
    await app.handlers.lockDesk(undefined)
    expect(await decided).toEqual({ ok: false, error: expect.objectContaining({ code: 'desk_locked' }) })
    expect(world.simulator.decisions).toEqual([{ action: 'approve', videoidPk: LUCIA.videoidPk }])
    const phases = (await app.decisions.journal()).entries.flatMap((entry) =>
      entry.type === 'decision' ? [entry.phase] : [],
    )
    expect(phases).toEqual(['intended', 'done'])

    // A read of a signer's case, slow to come back: the locked error, and not a word of the case.
    const openedAt = events.length
    await app.handlers.unlockDesk({ pin: OFFICER.pin })
    const released = events.slice(openedAt).filter((event) => event.name === 'decisionsChanged')
    expect(released.at(-1)?.payload).toMatchObject({
      videoidPk: LUCIA.videoidPk,
      records: [expect.objectContaining({ action: 'approve' })],
    })
    world.simulator.inject({ route: 'GET /request/*', fault: { kind: 'latency', ms: 300 } })
    const reads = world.simulator.requests.length
    const read = ipc.dispatch('refreshCase', { videoidPk: JAVIER.videoidPk }, {})
    await expect.poll(() => world.simulator.requests.length).toBeGreaterThan(reads)
    await app.handlers.lockDesk(undefined)
    const answer = await read
    expect(answer).toEqual({ ok: false, error: expect.objectContaining({ code: 'desk_locked' }) })
    expect(JSON.stringify(answer)).not.toMatch(/Javier|30918274H/)
    await app.close()
  })

  it('locks, refuses and opens while the keychain will not keep its record: only its survival across a restart is lost', async () => {
    const { app } = await desk()
    await app.close()
    const refusing = {
      getPassword: keytar.getPassword,
      deletePassword: keytar.deletePassword,
      setPassword: (service: string, account: string, password: string) =>
        service === `${world.service}.lock`
          ? Promise.reject(new Error('The collection is locked.'))
          : keytar.setPassword(service, account, password),
    }
    const again = servicesFor(world.dataDir, world.service, world.simulator.url, undefined, {
      keychain: refusing,
    })
    // A start locks; the PIN opens it, and it locks again on demand, all in this run.
    expect(await again.handlers.getLockState(undefined)).toMatchObject({ locked: true })
    expect(await again.handlers.unlockDesk({ pin: OFFICER.pin })).toMatchObject({ locked: false })
    expect(await again.handlers.lockDesk(undefined)).toMatchObject({ locked: true })
    expect(again.refuse('decide')?.code).toBe('desk_locked')
    await expect(again.handlers.unlockDesk({ pin: '0000' })).rejects.toMatchObject({ code: 'wrong_pin' })
    expect(await again.handlers.unlockDesk({ pin: OFFICER.pin })).toMatchObject({ locked: false })
    await again.close()
    expect(again.lines.join('\n')).toContain('the lock could not be kept in the keychain')
    expect(again.lines.join('\n')).toContain('keychain_locked')
  })
})
