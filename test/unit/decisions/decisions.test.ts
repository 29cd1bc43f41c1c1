import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import keytar from '@github/keytar'
import { describe, expect, it } from 'vitest'
import { classifyFailure } from '../../../main/decisions/decision-service'
import type { Keychain } from '../../../main/vault/keychain'
import { AppError } from '../../../shared/errors'
import { startSimulator } from '../../simulator/server'
import { eachTestWorld, OFFICER, servicesFor } from '../vault/fixtures'
import { FULL_CHECKLIST } from './checklist'

// Decisions through the app's own services against the simulator over real HTTP and the real keychain.
const world = eachTestWorld()

// The simulator's seeded signers, with the check the RA's own system would give for each pair.
const ONE_STEP = { videoidPk: 16673, requestPk: 923056, check: 'lucia.garcia@example.org' } // VIDEOREVIEW
const TWO_STEP = { videoidPk: 16674, requestPk: 923057, check: '30918274H' } // VIDEOREVIEW, two-step
const OTHER = { videoidPk: 16675, requestPk: 923058, check: '+34 699 870 112' } // VIDEOREVIEW
/** A settle window short enough for a test: 1.5 s, the status read every 200 ms. */
const SHORT = { windowMs: 1500, readEveryMs: 200 }

type App = ReturnType<typeof servicesFor>
async function ready(options: Parameters<typeof servicesFor>[4] = {}) {
  const app = servicesFor(world.dataDir, world.service, world.simulator.url, undefined, options)
  await app.handlers.setUpCredentials(OFFICER)
  await app.handlers.addCases({
    text: [ONE_STEP, TWO_STEP, OTHER]
      .map((item) => `${item.videoidPk},${item.requestPk},${item.check}`)
      .join('\n'),
  })
  return app
}
const decisionPhases = async (app: App) =>
  (await app.handlers.getJournal(undefined)).entries.flatMap((entry) =>
    entry.type === 'decision' ? [[entry.videoidPk, entry.action, entry.phase]] : [],
  )
const approve = (app: App, extra: object = {}) =>
  app.handlers.decide({
    action: 'approve',
    videoidPk: ONE_STEP.videoidPk,
    checklist: FULL_CHECKLIST,
    ...extra,
  })
const refuse = (app: App, videoidPk = OTHER.videoidPk, extra: object = {}) =>
  app.handlers.decide({
    action: 'refuse',
    videoidPk,
    checklist: { checked: [], securityFeatures: [], snapshots: {} },
    reason: { code: 'face_mismatch', text: ' The chin and ears differ from the photo. ' },
    language: 'en',
    ...extra,
  })
const statusOf = (videoidPk: number) => world.simulator.state.cases.get(videoidPk)?.status
const setStatus = (videoidPk: number, status: string) => {
  const target = world.simulator.state.cases.get(videoidPk)
  if (!target) throw new Error('the simulator’s seed changed')
  target.status = status
}

describe('decisions', () => {
  it('refuses with exactly the reason given, in the language chosen, and approves, each once, written ahead', async () => {
    const app = await ready()
    await app.handlers.saveReasonDraft({
      videoidPk: OTHER.videoidPk,
      draft: { code: 'face_mismatch', text: 'x' },
    })
    const refused = await refuse(app, OTHER.videoidPk, { language: 'es' })
    expect(refused.case.status).toBe('CANCELLED')
    expect(refused.case.reasonDraft).toBeUndefined()
    expect(world.simulator.state.cases.get(OTHER.videoidPk)?.refuseReason).toBe(
      'La cara no coincide con la foto del documento: The chin and ears differ from the photo.',
    )
    expect((await approve(app)).case.status).toBe('ENROLLREADY')
    expect(world.simulator.decisions).toEqual([
      { action: 'refuse', videoidPk: OTHER.videoidPk },
      { action: 'approve', videoidPk: ONE_STEP.videoidPk },
    ])
    expect(await decisionPhases(app)).toEqual([
      [OTHER.videoidPk, 'refuse', 'intended'],
      [OTHER.videoidPk, 'refuse', 'done'],
      [ONE_STEP.videoidPk, 'approve', 'intended'],
      [ONE_STEP.videoidPk, 'approve', 'done'],
    ])
    const entries = (await app.handlers.getJournal(undefined)).entries
    expect(entries.find((entry) => entry.type === 'decision')).toMatchObject({
      officer: OFFICER.username,
      reason: 'La cara no coincide con la foto del documento: The chin and ears differ from the photo.',
      language: 'es',
    })
    expect(readFileSync(path.join(world.dataDir, 'decision-journal.jsonl'), 'utf8')).not.toContain(
      OFFICER.password,
    )
    // The decided case's record, from the journal.
    const record = (await app.handlers.getCaseDecisions({ videoidPk: ONE_STEP.videoidPk })).records
    expect(record).toEqual([
      expect.objectContaining({
        action: 'approve',
        officer: OFFICER.username,
        settledByStatus: false,
        attempt: 3,
      }),
    ])
  })

  it('sends nothing without a full checklist, or a reason for "other"', async () => {
    const app = await ready()
    await expect(
      approve(app, { checklist: { ...FULL_CHECKLIST, securityFeatures: ['material', 'personalisation'] } }),
    ).rejects.toMatchObject({ code: 'invalid_input' })
    await expect(
      refuse(app, ONE_STEP.videoidPk, { reason: { code: 'other', text: '   ' } }),
    ).rejects.toMatchObject({ code: 'invalid_input' })
    expect(world.simulator.decisions).toEqual([])
    expect(await decisionPhases(app)).toEqual([])
  })

  it('validates then approves in two-step mode, and four eyes keeps the validator from approving', async () => {
    const app = await ready()
    await app.handlers.saveSettings({ twoStepMode: true, fourEyes: true })
    const validated = await app.handlers.decide({
      action: 'validate',
      videoidPk: TWO_STEP.videoidPk,
      checklist: FULL_CHECKLIST,
    })
    expect(validated.case.status).toBe('CREATED')
    await expect(
      app.handlers.decide({ action: 'approve', videoidPk: TWO_STEP.videoidPk, checklist: FULL_CHECKLIST }),
    ).rejects.toMatchObject({ code: 'four_eyes' })
    await app.handlers.saveSettings({ fourEyes: false })
    const approved = await app.handlers.decide({
      action: 'approve',
      videoidPk: TWO_STEP.videoidPk,
      checklist: FULL_CHECKLIST,
    })
    expect(approved.case.status).toBe('ENROLLREADY')
    expect(world.simulator.decisions.map((decision) => decision.action)).toEqual(['validate', 'approve'])
    // Turning four eyes on and off is in the journal, with who did it.
    const settings = (await app.handlers.getJournal(undefined)).entries.filter(
      (entry) => entry.type === 'setting',
    )
    expect(
      settings.map(
        (entry) => entry.type === 'setting' && [entry.setting, entry.from, entry.to, entry.officer],
      ),
    ).toEqual([
      ['fourEyes', false, true, OFFICER.username],
      ['twoStepMode', false, true, OFFICER.username],
      ['fourEyes', true, false, OFFICER.username],
    ])
  })

  it('sends one request when the same decision is asked twice at once', async () => {
    const app = await ready()
    world.simulator.inject({ route: 'POST /videoid/*/approve', fault: { kind: 'latency', ms: 300 } })
    const [first, second] = await Promise.allSettled([approve(app), approve(app)])
    expect(first.status).toBe('fulfilled')
    expect(second).toMatchObject({ status: 'rejected', reason: { code: 'decision_in_flight' } })
    expect(world.simulator.decisions).toHaveLength(1)
  })

  it('keeps a dropped approve unknown while the status shows the state before it, and sends nothing', async () => {
    // Every ask reads the status again (no spacing), and the window is the default ten minutes.
    const app = await ready({ settle: { windowMs: 600_000, readEveryMs: 0 } })
    world.simulator.inject({ route: 'POST /videoid/*/approve', fault: { kind: 'drop' } })
    await expect(approve(app)).rejects.toMatchObject({ code: 'outcome_unknown' })
    expect(statusOf(ONE_STEP.videoidPk)).toBe('VIDEOREVIEW')
    // However often asked, and whoever asks, within the window nothing is sent again.
    await expect(approve(app)).rejects.toMatchObject({ code: 'outcome_unknown' })
    await app.handlers.syncCases(undefined)
    await expect(approve(app)).rejects.toMatchObject({ code: 'outcome_unknown' })
    const state = await app.handlers.getCaseDecisions({ videoidPk: ONE_STEP.videoidPk })
    expect(state.unknown).toMatchObject({ action: 'approve' })
    expect(Date.parse(state.unknown?.windowEndsAt ?? '')).toBeGreaterThan(Date.now() + 9 * 60_000)
    expect(world.simulator.decisions).toHaveLength(1)
    expect(await decisionPhases(app)).toEqual([
      [ONE_STEP.videoidPk, 'approve', 'intended'],
      [ONE_STEP.videoidPk, 'approve', 'unknown'],
    ])
    // The slow server finishes: the next read settles the attempt as done, and still nothing is resent.
    setStatus(ONE_STEP.videoidPk, 'ENROLLREADY')
    await app.handlers.refreshCase({ videoidPk: ONE_STEP.videoidPk })
    await expect(approve(app)).rejects.toMatchObject({ code: 'wrong_state' })
    expect((await decisionPhases(app)).at(-1)).toEqual([ONE_STEP.videoidPk, 'approve', 'settled_done'])
    expect(world.simulator.decisions).toHaveLength(1)
    await app.close()
  })

  it('allows one deliberate resend, behind a second confirmation, once the window shows no effect', async () => {
    const app = await ready({ settle: SHORT })
    app.start()
    world.simulator.inject({ route: 'POST /videoid/*/approve', fault: { kind: 'drop' } })
    await expect(approve(app)).rejects.toMatchObject({ code: 'outcome_unknown' })
    await expect
      .poll(async () => (await decisionPhases(app)).at(-1), { timeout: 10_000 })
      .toEqual([ONE_STEP.videoidPk, 'approve', 'settled_not_done'])
    // The status read at the window's end still showed VIDEOREVIEW: not the approve's effect.
    expect(statusOf(ONE_STEP.videoidPk)).toBe('VIDEOREVIEW')
    const state = await app.handlers.getCaseDecisions({ videoidPk: ONE_STEP.videoidPk })
    expect(state).toMatchObject({ unconfirmed: { action: 'approve' }, records: [] })
    expect(state.unknown).toBeUndefined()
    await expect(approve(app)).rejects.toMatchObject({ code: 'resend_unconfirmed' })
    expect(world.simulator.decisions).toHaveLength(1)
    expect((await approve(app, { resendConfirmed: true })).case.status).toBe('ENROLLREADY')
    expect(world.simulator.decisions).toHaveLength(2)
    const last = (await app.handlers.getJournal(undefined)).entries.findLast(
      (entry) => entry.type === 'decision' && entry.phase === 'intended',
    )
    expect(last).toMatchObject({ resendOf: 1 })
    await app.close()
  })

  it('settles a dropped refusal and a dropped cancel the same way', async () => {
    const app = await ready({ settle: SHORT })
    app.start()
    world.simulator.inject({ route: 'POST /videoid/*/refuse', fault: { kind: 'drop' } })
    world.simulator.inject({ route: 'DELETE /request/*', fault: { kind: 'drop' } })
    await expect(refuse(app)).rejects.toMatchObject({ code: 'outcome_unknown' })
    await expect(
      app.handlers.decide({ action: 'cancel', videoidPk: TWO_STEP.videoidPk }),
    ).rejects.toMatchObject({ code: 'outcome_unknown' })
    // The refusal's server finishes late; the cancel's never does.
    setStatus(OTHER.videoidPk, 'CANCELLED')
    await expect
      .poll(
        async () => (await decisionPhases(app)).filter(([, , phase]) => String(phase).startsWith('settled')),
        {
          timeout: 10_000,
        },
      )
      .toEqual(
        expect.arrayContaining([
          [OTHER.videoidPk, 'refuse', 'settled_done'],
          [TWO_STEP.videoidPk, 'cancel', 'settled_not_done'],
        ]),
      )
    await expect(
      app.handlers.decide({ action: 'cancel', videoidPk: TWO_STEP.videoidPk }),
    ).rejects.toMatchObject({
      code: 'resend_unconfirmed',
    })
    expect(world.simulator.decisions.map((decision) => decision.action)).toEqual(['refuse', 'cancel'])
    await app.close()
  })

  it('writes one settled entry per attempt while status reads fail for a while, whoever asks', async () => {
    const app = await ready({ settle: { windowMs: 60_000, readEveryMs: 0 } })
    world.simulator.inject({ route: 'POST /videoid/*/approve', fault: { kind: 'drop' } })
    await expect(approve(app)).rejects.toMatchObject({ code: 'outcome_unknown' })
    world.simulator.inject({ route: 'GET /request/*', fault: { kind: 'status', status: 503 }, times: 6 })
    // Then slow reads, so that the askers' reads overlap.
    world.simulator.inject({ route: 'GET /request/*', fault: { kind: 'latency', ms: 150 }, times: 40 })
    setStatus(ONE_STEP.videoidPk, 'ENROLLREADY')
    // Sync, start and the case page ask at once, again and again, while reads fail, then recover.
    for (let round = 0; round < 4; round++)
      await Promise.all([
        app.handlers.syncCases(undefined),
        Promise.resolve(app.handlers.refreshCase({ videoidPk: ONE_STEP.videoidPk })).catch(() => undefined),
        app.handlers.getCaseDecisions({ videoidPk: ONE_STEP.videoidPk }),
        app.start(),
      ])
    await expect
      .poll(async () => (await decisionPhases(app)).filter(([, , phase]) => phase === 'settled_done'))
      .toHaveLength(1)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(
      (await decisionPhases(app)).filter(([, , phase]) => String(phase).startsWith('settled')),
    ).toHaveLength(1)
    await app.close()
  })

  it('records a decision that never left the desk as not sent: the keychain locked before sending', async () => {
    let locked = false
    const lockable: Keychain = {
      getPassword: (service, account) =>
        locked && account === 'officer'
          ? Promise.reject(new Error('Cannot get secret of a locked object'))
          : keytar.getPassword(service, account),
      setPassword: (service, account, value) => keytar.setPassword(service, account, value),
      deletePassword: (service, account) => keytar.deletePassword(service, account),
    }
    const app = await ready({ keychain: lockable })
    await app.handlers.getCaseBook(undefined)
    locked = true
    await expect(approve(app)).rejects.toMatchObject({ code: 'keychain_locked' })
    expect(world.simulator.decisions).toEqual([])
    expect(await decisionPhases(app)).toEqual([
      [ONE_STEP.videoidPk, 'approve', 'intended'],
      [ONE_STEP.videoidPk, 'approve', 'not_sent'],
    ])
  })

  it('records a decision that took effect but answered 5xx as settled done, never refused', async () => {
    const app = await ready()
    world.simulator.inject({
      route: 'POST /videoid/*/approve',
      fault: { kind: 'status', status: 502, handled: true },
    })
    expect((await approve(app)).case.status).toBe('ENROLLREADY')
    expect(await decisionPhases(app)).toEqual([
      [ONE_STEP.videoidPk, 'approve', 'intended'],
      [ONE_STEP.videoidPk, 'approve', 'settled_done'],
    ])
  })

  it('keeps a 5xx that changed nothing unknown: a proxy may answer while the server still signs', async () => {
    const app = await ready()
    world.simulator.inject({ route: 'POST /videoid/*/approve', fault: { kind: 'status', status: 504 } })
    await expect(approve(app)).rejects.toMatchObject({ code: 'outcome_unknown' })
    expect((await decisionPhases(app)).at(-1)).toEqual([ONE_STEP.videoidPk, 'approve', 'unknown'])
  })

  it('classifies each failure by what left the desk and what the status shows', () => {
    const answered = (status: number, code: ConstructorParameters<typeof AppError>[0]) =>
      new AppError(code, 'answered', `HTTP ${status}`, status)
    const refused = new AppError('unreachable', 'no connection', 'ECONNREFUSED')
    const reset = new AppError('unreachable', 'cut', 'ECONNRESET')
    expect(classifyFailure('approve', refused, undefined)).toEqual({
      phase: 'not_sent',
      errorCode: 'unreachable',
    })
    expect(classifyFailure('approve', reset, 'VIDEOREVIEW')).toEqual({
      phase: 'unknown',
      errorCode: 'unreachable',
    })
    expect(classifyFailure('approve', reset, 'ENROLLREADY')).toEqual({
      phase: 'settled_done',
      status: 'ENROLLREADY',
    })
    expect(classifyFailure('approve', answered(500, 'server_error'), 'ENROLLREADY')).toEqual({
      phase: 'settled_done',
      status: 'ENROLLREADY',
    })
    expect(classifyFailure('approve', answered(500, 'server_error'), 'VIDEOREVIEW')).toEqual({
      phase: 'unknown',
      errorCode: 'server_error',
    })
    expect(classifyFailure('approve', answered(403, 'invalid_credentials'), 'VIDEOREVIEW')).toEqual({
      phase: 'refused',
      errorCode: 'invalid_credentials',
    })
    expect(classifyFailure('refuse', answered(500, 'server_error'), 'ENROLLREADY')).toEqual({
      phase: 'refused',
      errorCode: 'wrong_state',
    })
    expect(classifyFailure('validate', answered(412, 'wrong_state'), 'CREATED')).toEqual({
      phase: 'settled_done',
      status: 'CREATED',
    })
  })

  it('settles at the next start a decision whose app was killed before the answer came', async () => {
    const app = await ready()
    await app.close()
    world.simulator.inject({ route: 'POST /videoid/*/approve', fault: { kind: 'latency', ms: 8000 } })
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(import.meta.dirname, 'decide-child.ts'),
        world.dataDir,
        world.service,
        world.simulator.url,
        String(ONE_STEP.videoidPk),
      ],
      { stdio: 'ignore' },
    )
    // Killed once the Optimizer has taken the decision (so the journal has its intended entry), before the
    // answer comes back.
    await expect.poll(() => statusOf(ONE_STEP.videoidPk), { timeout: 30_000 }).toBe('ENROLLREADY')
    child.kill('SIGKILL')
    await new Promise((resolve) => child.on('exit', resolve))
    expect(readFileSync(path.join(world.dataDir, 'decision-journal.jsonl'), 'utf8')).toContain('"intended"')

    const restarted = servicesFor(world.dataDir, world.service, world.simulator.url)
    expect(await decisionPhases(restarted)).toEqual([[ONE_STEP.videoidPk, 'approve', 'intended']])
    // Started as the app starts: its settling waits for the window to have the book.
    restarted.start()
    await restarted.handlers.getCaseBook(undefined)
    await expect
      .poll(async () => (await decisionPhases(restarted)).at(-1), { timeout: 5000 })
      .toEqual([ONE_STEP.videoidPk, 'approve', 'settled_done'])
    expect(world.simulator.decisions).toHaveLength(1)
    await restarted.close()
  })

  it('sends nothing to a case decided elsewhere meanwhile, and shows its status', async () => {
    const app = await ready()
    setStatus(ONE_STEP.videoidPk, 'ENROLLREADY') // approved meanwhile, straight on the Optimizer
    await expect(approve(app)).rejects.toMatchObject({ code: 'wrong_state' })
    const book = await app.handlers.getCaseBook(undefined)
    expect(
      book.state === 'open' && book.rows.find((row) => row.videoidPk === ONE_STEP.videoidPk)?.status,
    ).toBe('ENROLLREADY')
    expect(world.simulator.decisions).toEqual([])
    expect(await decisionPhases(app)).toEqual([])
  })

  it('asks the officer to confirm the person on a pair added without a check', async () => {
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    await app.handlers.setUpCredentials(OFFICER)
    await app.handlers.addCases({ text: `${ONE_STEP.videoidPk},${ONE_STEP.requestPk}` })
    await expect(approve(app)).rejects.toMatchObject({ code: 'pair_unconfirmed' })
    expect(world.simulator.decisions).toEqual([])
    expect((await approve(app, { pairConfirmed: true })).case.status).toBe('ENROLLREADY')
    expect(
      (await app.handlers.getJournal(undefined)).entries.find((entry) => entry.type === 'decision'),
    ).toMatchObject({
      pairConfirmed: true,
    })
  })

  it('falls back to the stored credentials when the Optimizer deleted the token', async () => {
    const app = await ready()
    await app.handlers.createOptimizerToken(undefined)
    world.simulator.state.tokens.clear()
    expect((await approve(app)).case.status).toBe('ENROLLREADY')
    expect((await app.handlers.getCredentialStatus(undefined)).mode).toBe('credentials')
    expect(await decisionPhases(app)).toEqual([
      [ONE_STEP.videoidPk, 'approve', 'intended'],
      [ONE_STEP.videoidPk, 'approve', 'refused'],
      [ONE_STEP.videoidPk, 'approve', 'intended'],
      [ONE_STEP.videoidPk, 'approve', 'done'],
    ])
  })
})

describe('decisions: what the review found', () => {
  const dropApprove = () =>
    world.simulator.inject({ route: 'POST /videoid/*/approve', fault: { kind: 'drop' } })

  it('writes one settled entry when two reads of the same status arrive at once (single flight alone)', async () => {
    const app = await ready({ settle: { windowMs: 600_000, readEveryMs: 0 } })
    dropApprove()
    await expect(approve(app)).rejects.toMatchObject({ code: 'outcome_unknown' })
    setStatus(ONE_STEP.videoidPk, 'ENROLLREADY')
    const scope = { optimizer: world.simulator.url, environment: 'sandbox' as const }
    const item = { ...(await app.cases.get(ONE_STEP.videoidPk, scope)), status: 'ENROLLREADY' }
    // Two observations of one read, with nothing between them: only the single flight keeps them one.
    await Promise.all([app.decisions.observe(item, scope), app.decisions.observe(item, scope)])
    expect(
      (await decisionPhases(app)).filter(([, , phase]) => String(phase).startsWith('settled')),
    ).toHaveLength(1)
  })

  it('never settles an attempt while its own decision is still on its way', async () => {
    const app = await ready()
    // The Optimizer approves at once and answers late: meanwhile the officer reads the case again.
    world.simulator.inject({ route: 'POST /videoid/*/approve', fault: { kind: 'latency', ms: 600 } })
    const deciding = approve(app)
    await new Promise((resolve) => setTimeout(resolve, 300))
    await app.handlers.refreshCase({ videoidPk: ONE_STEP.videoidPk })
    await deciding
    expect(await decisionPhases(app)).toEqual([
      [ONE_STEP.videoidPk, 'approve', 'intended'],
      [ONE_STEP.videoidPk, 'approve', 'done'],
    ])
  })

  it('keeps the window of a lost answer through a restart and through a lowered setting', async () => {
    const app = await ready()
    dropApprove()
    await expect(approve(app)).rejects.toMatchObject({ code: 'outcome_unknown' })
    const before = (await app.handlers.getCaseDecisions({ videoidPk: ONE_STEP.videoidPk })).unknown
      ?.windowEndsAt
    expect(Date.parse(before ?? '')).toBeGreaterThan(Date.now() + 9 * 60_000)
    await app.handlers.saveSettings({ settleWindowMinutes: 1 })
    await app.close()
    await new Promise((resolve) => setTimeout(resolve, 50))
    const restarted = servicesFor(world.dataDir, world.service, world.simulator.url)
    const after = (await restarted.handlers.getCaseDecisions({ videoidPk: ONE_STEP.videoidPk })).unknown
    expect(after?.windowEndsAt).toBe(before)
    // The change is in the journal, by whom.
    const change = (await restarted.handlers.getJournal(undefined)).entries.find(
      (entry) => entry.type === 'setting',
    )
    expect(change).toMatchObject({
      setting: 'settleWindowMinutes',
      from: 10,
      to: 1,
      officer: OFFICER.username,
    })
    await restarted.close()
  })

  it('does not let a read of another Optimizer’s case with the same pk settle an attempt', async () => {
    const other = await startSimulator({ raos: [OFFICER] })
    try {
      const app = await ready({ settle: { windowMs: 600_000, readEveryMs: 0 } })
      dropApprove()
      await expect(approve(app)).rejects.toMatchObject({ code: 'outcome_unknown' })
      // The same pk on another Optimizer is approved there; the officer looks at it, and comes back.
      await app.handlers.saveSettings({ optimizerUrl: other.url })
      await app.handlers.addCases({ text: `${ONE_STEP.videoidPk},${ONE_STEP.requestPk},${ONE_STEP.check}` })
      const target = other.state.cases.get(ONE_STEP.videoidPk)
      if (target) target.status = 'ENROLLREADY'
      other.inject({ route: 'GET /request/*', fault: { kind: 'latency', ms: 300 } })
      const reading = app.handlers.refreshCase({ videoidPk: ONE_STEP.videoidPk })
      await new Promise((resolve) => setTimeout(resolve, 100))
      await app.handlers.saveSettings({ optimizerUrl: world.simulator.url })
      await reading
      const state = await app.handlers.getCaseDecisions({ videoidPk: ONE_STEP.videoidPk })
      expect(state.unknown).toMatchObject({ action: 'approve' })
      await expect(approve(app)).rejects.toMatchObject({ code: 'outcome_unknown' })
      expect(world.simulator.decisions).toHaveLength(1)
      await app.close()
    } finally {
      await other.close()
    }
  })

  it('reads the keychain now and then, not in a loop, while it is locked with an answer to settle', async () => {
    let locked = false
    let reads = 0
    const lockable: Keychain = {
      getPassword: (service, account) => {
        if (account === 'journal-key') reads++
        return locked && account === 'journal-key'
          ? Promise.reject(new Error('Cannot get secret of a locked object'))
          : keytar.getPassword(service, account)
      },
      setPassword: (service, account, value) => keytar.setPassword(service, account, value),
      deletePassword: (service, account) => keytar.deletePassword(service, account),
    }
    const app = await ready({ keychain: lockable })
    dropApprove()
    await expect(approve(app)).rejects.toMatchObject({ code: 'outcome_unknown' })
    await app.close()
    locked = true
    reads = 0
    const restarted = servicesFor(world.dataDir, world.service, world.simulator.url, undefined, {
      keychain: lockable,
    })
    restarted.start()
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expect(reads).toBeLessThan(10)
    await restarted.close()
  })

  it('counts an outcome whose attempt’s line was lost as that attempt: a lost answer is never forgotten', async () => {
    const app = await ready()
    dropApprove()
    await expect(approve(app)).rejects.toMatchObject({ code: 'outcome_unknown' })
    await app.close()
    // The intended line was torn (a full disk, say) and later lines went on: it is unreadable now.
    const file = path.join(world.dataDir, 'decision-journal.jsonl')
    const lines = readFileSync(file, 'utf8').split('\n')
    const intended = lines.findIndex((line) => line.includes('"intended"'))
    lines[intended] = lines[intended]?.slice(0, 40) ?? ''
    writeFileSync(file, lines.join('\n'))
    const restarted = servicesFor(world.dataDir, world.service, world.simulator.url)
    expect(
      (await restarted.handlers.getCaseDecisions({ videoidPk: ONE_STEP.videoidPk })).unknown,
    ).toMatchObject({
      action: 'approve',
    })
    await expect(approve(restarted)).rejects.toMatchObject({ code: 'outcome_unknown' })
    expect(world.simulator.decisions).toHaveLength(1)
    await restarted.close()
  })

  it('does not let an outcome whose seal fails open a resend', async () => {
    const app = await ready()
    dropApprove()
    await expect(approve(app)).rejects.toMatchObject({ code: 'outcome_unknown' })
    await app.close()
    // Someone without the key appends "did not take effect" to the lost approve.
    const file = path.join(world.dataDir, 'decision-journal.jsonl')
    const last = JSON.parse(readFileSync(file, 'utf8').trim().split('\n').at(-1) ?? '{}')
    const forged = {
      ...last,
      seq: last.seq + 1,
      phase: 'settled_not_done',
      status: 'VIDEOREVIEW',
      prev: last.mac,
    }
    writeFileSync(
      file,
      `${readFileSync(file, 'utf8')}${JSON.stringify({ ...forged, mac: 'f'.repeat(64) })}\n`,
    )
    const restarted = servicesFor(world.dataDir, world.service, world.simulator.url)
    expect(
      (await restarted.handlers.getCaseDecisions({ videoidPk: ONE_STEP.videoidPk })).unconfirmed,
    ).toBeUndefined()
    await expect(approve(restarted, { resendConfirmed: true })).rejects.toMatchObject({
      code: 'outcome_unknown',
    })
    expect(world.simulator.decisions).toHaveLength(1)
    await restarted.close()
  })
})
