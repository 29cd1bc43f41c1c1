import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { eachTestWorld, OFFICER, servicesFor } from '../vault/fixtures'
import { FULL_CHECKLIST } from './checklist'

// Decisions through the app's own services against the simulator over real HTTP and the real keychain.
const world = eachTestWorld()

const ONE_STEP = { videoidPk: 16673, requestPk: 923056 } // Lucía, VIDEOREVIEW
const TWO_STEP = { videoidPk: 16674, requestPk: 923057 } // Javier, VIDEOREVIEW, two-step
const OTHER = { videoidPk: 16675, requestPk: 923058 } // Ana Isabel, VIDEOREVIEW

async function ready() {
  const app = servicesFor(world.dataDir, world.service, world.simulator.url)
  await app.handlers.setUpCredentials(OFFICER)
  await app.handlers.addCases({
    text: [ONE_STEP, TWO_STEP, OTHER].map((item) => `${item.videoidPk},${item.requestPk}`).join('\n'),
  })
  return app
}
const phases = async (app: ReturnType<typeof servicesFor>) =>
  (await app.handlers.getJournal(undefined)).entries.map((entry) => [
    entry.videoidPk,
    entry.action,
    entry.phase,
  ])

describe('decisions', () => {
  it('refuses with exactly the reason given, and approves, each once, written ahead in the journal', async () => {
    const app = await ready()
    await app.handlers.saveReasonDraft({
      videoidPk: OTHER.videoidPk,
      draft: { code: 'face_mismatch', text: 'x' },
    })
    const refused = await app.handlers.decide({
      action: 'refuse',
      videoidPk: OTHER.videoidPk,
      checklist: { checked: [], securityFeatures: [], snapshots: {} },
      reason: { code: 'face_mismatch', text: ' The chin and ears differ from the photo. ' },
    })
    expect(refused.case.status).toBe('CANCELLED')
    expect(refused.case.reasonDraft).toBeUndefined()
    expect(world.simulator.state.cases.get(OTHER.videoidPk)?.refuseReason).toBe(
      'The face does not match the document photo: The chin and ears differ from the photo.',
    )
    const approved = await app.handlers.decide({
      action: 'approve',
      videoidPk: ONE_STEP.videoidPk,
      checklist: FULL_CHECKLIST,
    })
    expect(approved.case.status).toBe('ENROLLREADY')
    expect(world.simulator.decisions).toEqual([
      { action: 'refuse', videoidPk: OTHER.videoidPk },
      { action: 'approve', videoidPk: ONE_STEP.videoidPk },
    ])
    expect(await phases(app)).toEqual([
      [OTHER.videoidPk, 'refuse', 'intended'],
      [OTHER.videoidPk, 'refuse', 'done'],
      [ONE_STEP.videoidPk, 'approve', 'intended'],
      [ONE_STEP.videoidPk, 'approve', 'done'],
    ])
    expect((await app.handlers.getJournal(undefined)).entries[0]).toMatchObject({ officer: OFFICER.username })
    expect(readFileSync(path.join(world.dataDir, 'decision-journal.jsonl'), 'utf8')).not.toContain(
      OFFICER.password,
    )
  })

  it('sends nothing without a full checklist, or a reason for "other"', async () => {
    const app = await ready()
    await expect(
      app.handlers.decide({
        action: 'approve',
        videoidPk: ONE_STEP.videoidPk,
        checklist: { ...FULL_CHECKLIST, securityFeatures: ['material', 'personalisation'] },
      }),
    ).rejects.toMatchObject({ code: 'invalid_input' })
    await expect(
      app.handlers.decide({
        action: 'refuse',
        videoidPk: ONE_STEP.videoidPk,
        checklist: FULL_CHECKLIST,
        reason: { code: 'other', text: '   ' },
      }),
    ).rejects.toMatchObject({ code: 'invalid_input' })
    expect(world.simulator.decisions).toEqual([])
    expect(await phases(app)).toEqual([])
  })

  it('validates then approves in two-step mode, and four eyes keeps the validator from approving', async () => {
    const app = await ready()
    app.handlers.saveSettings({ twoStepMode: true, fourEyes: true })
    const validated = await app.handlers.decide({
      action: 'validate',
      videoidPk: TWO_STEP.videoidPk,
      checklist: FULL_CHECKLIST,
    })
    expect(validated.case.status).toBe('CREATED')
    await expect(
      app.handlers.decide({ action: 'approve', videoidPk: TWO_STEP.videoidPk, checklist: FULL_CHECKLIST }),
    ).rejects.toMatchObject({ code: 'four_eyes' })
    app.handlers.saveSettings({ fourEyes: false })
    const approved = await app.handlers.decide({
      action: 'approve',
      videoidPk: TWO_STEP.videoidPk,
      checklist: FULL_CHECKLIST,
    })
    expect(approved.case.status).toBe('ENROLLREADY')
    expect(world.simulator.decisions.map((decision) => decision.action)).toEqual(['validate', 'approve'])
  })

  it('sends one request when the same decision is asked twice at once', async () => {
    const app = await ready()
    world.simulator.inject({ route: 'POST /videoid/*/approve', fault: { kind: 'latency', ms: 300 } })
    const decide = () =>
      app.handlers.decide({ action: 'approve', videoidPk: ONE_STEP.videoidPk, checklist: FULL_CHECKLIST })
    const [first, second] = await Promise.allSettled([decide(), decide()])
    expect(first.status).toBe('fulfilled')
    expect(second).toMatchObject({ status: 'rejected', reason: { code: 'decision_in_flight' } })
    expect(world.simulator.decisions).toHaveLength(1)
  })

  it('settles an answer lost after sending by re-reading the status, never by sending again', async () => {
    const app = await ready()
    world.simulator.inject({ route: 'POST /videoid/*/approve', fault: { kind: 'reset' } })
    const decided = await app.handlers.decide({
      action: 'approve',
      videoidPk: ONE_STEP.videoidPk,
      checklist: FULL_CHECKLIST,
    })
    expect(decided.case.status).toBe('ENROLLREADY')
    expect(world.simulator.decisions).toHaveLength(1)
    expect(await phases(app)).toEqual([
      [ONE_STEP.videoidPk, 'approve', 'intended'],
      [ONE_STEP.videoidPk, 'approve', 'unknown'],
      [ONE_STEP.videoidPk, 'approve', 'settled_done'],
    ])
  })

  it('says the outcome is unknown while the status cannot be read, and sends nothing until it can', async () => {
    const app = await ready()
    world.simulator.inject({ route: 'POST /videoid/*/approve', fault: { kind: 'reset' } })
    world.simulator.inject({ route: 'GET /request/*', fault: { kind: 'status', status: 503 }, times: 3 })
    await expect(
      app.handlers.decide({ action: 'approve', videoidPk: ONE_STEP.videoidPk, checklist: FULL_CHECKLIST }),
    ).rejects.toMatchObject({ code: 'outcome_unknown' })
    // Asked again: the status is read first, shows the approval took effect, and nothing is resent.
    await expect(
      app.handlers.decide({ action: 'approve', videoidPk: ONE_STEP.videoidPk, checklist: FULL_CHECKLIST }),
    ).rejects.toMatchObject({ code: 'wrong_state' })
    expect(world.simulator.decisions).toHaveLength(1)
    expect((await phases(app)).at(-1)).toEqual([ONE_STEP.videoidPk, 'approve', 'settled_done'])
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
    await expect
      .poll(() => world.simulator.state.cases.get(ONE_STEP.videoidPk)?.status, { timeout: 30_000 })
      .toBe('ENROLLREADY')
    child.kill('SIGKILL')
    await new Promise((resolve) => child.on('exit', resolve))
    expect(readFileSync(path.join(world.dataDir, 'decision-journal.jsonl'), 'utf8')).toContain('"intended"')

    const restarted = servicesFor(world.dataDir, world.service, world.simulator.url)
    expect(await phases(restarted)).toEqual([[ONE_STEP.videoidPk, 'approve', 'intended']])
    restarted.start()
    await expect
      .poll(async () => (await phases(restarted)).at(-1))
      .toEqual([ONE_STEP.videoidPk, 'approve', 'settled_done'])
    expect(world.simulator.decisions).toHaveLength(1)
    await restarted.close()
  })

  it('shows another officer’s earlier decision as such, and records the refusal', async () => {
    const app = await ready()
    const lucia = world.simulator.state.cases.get(ONE_STEP.videoidPk)
    if (!lucia) throw new Error('the simulator’s seed changed')
    lucia.status = 'ENROLLREADY' // approved meanwhile by someone else, straight on the Optimizer
    await expect(
      app.handlers.decide({ action: 'approve', videoidPk: ONE_STEP.videoidPk, checklist: FULL_CHECKLIST }),
    ).rejects.toMatchObject({ code: 'wrong_state' })
    const book = await app.handlers.getCaseBook(undefined)
    expect(
      book.state === 'open' && book.cases.find((item) => item.videoidPk === ONE_STEP.videoidPk)?.status,
    ).toBe('ENROLLREADY')
    expect((await phases(app)).at(-1)).toEqual([ONE_STEP.videoidPk, 'approve', 'refused'])
  })

  it('falls back to the stored credentials when the Optimizer deleted the token', async () => {
    const app = await ready()
    await app.handlers.createOptimizerToken(undefined)
    world.simulator.state.tokens.clear()
    const approved = await app.handlers.decide({
      action: 'approve',
      videoidPk: ONE_STEP.videoidPk,
      checklist: FULL_CHECKLIST,
    })
    expect(approved.case.status).toBe('ENROLLREADY')
    expect((await app.handlers.getCredentialStatus(undefined)).mode).toBe('credentials')
    expect(await phases(app)).toEqual([
      [ONE_STEP.videoidPk, 'approve', 'intended'],
      [ONE_STEP.videoidPk, 'approve', 'refused'],
      [ONE_STEP.videoidPk, 'approve', 'intended'],
      [ONE_STEP.videoidPk, 'approve', 'done'],
    ])
  })
})
