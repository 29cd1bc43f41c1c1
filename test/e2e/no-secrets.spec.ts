import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { FULL_CHECKLIST } from '../unit/decisions/checklist'
import { expect, test } from './fixtures'

// Recognisable secrets: after a whole flow, none may be found outside the keychain.
const OFFICER = { username: '9001866', password: 'E2E-Canary-Pass-8128', pin: '49162536', rao: '1466' }
const BILLING_PASSWORD = 'E2E-Canary-Billing-496'

const readTree = (folder: string) =>
  readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .map((name) => path.join(folder, name))
    .filter((file) => statSync(file).isFile())
    .map((file) => readFileSync(file, 'latin1'))
    .join('\n')

test.use({ simulatorRaos: [OFFICER] })

test('no secret reaches the data folder, the logs or any IPC message', async ({
  app,
  harness,
  simulator,
}) => {
  const secrets = [
    OFFICER.password,
    OFFICER.pin,
    BILLING_PASSWORD,
    Buffer.from(BILLING_PASSWORD).toString('base64'),
  ]

  await app.getByLabel('RAO username').fill(OFFICER.username)
  await app.getByLabel('Password', { exact: true }).fill(OFFICER.password)
  await app.getByLabel('PIN').fill(OFFICER.pin)
  await app.getByLabel('RAO id').fill(OFFICER.rao)
  await app.getByText('Billing credentials').click()
  await app.getByLabel('Billing username').fill('billing@ra.example')
  await app.getByLabel('Billing password').fill(BILLING_PASSWORD)
  await app.getByRole('button', { name: 'Save credentials' }).click()
  await expect(app.getByRole('heading', { name: 'Video ID queue' })).toBeVisible()
  await app.getByRole('navigation').getByRole('button', { name: 'My credentials' }).click()
  await expect(app.getByRole('heading', { name: 'My credentials' })).toBeVisible()

  await app.getByRole('button', { name: 'Verify with the Optimizer' }).click()
  await expect(app.getByText('The Optimizer accepted the credentials.')).toBeVisible()

  // Decisions and a new Video ID with the full credentials, through the page's own window.rao.
  const cases = [...simulator.state.cases.values()]
  const toApprove = cases.find((item) => item.status === 'VIDEOREVIEW' && item.mode === 'one-step')
  const toRefuse = cases.find((item) => item.status === 'VIDEOREVIEW' && item !== toApprove)
  if (!toApprove || !toRefuse) throw new Error('the simulator has no cases to decide')
  // The Optimizer holds no billing account: the officer's own goes with the new Video ID.
  simulator.state.billing = undefined
  const pairs = [toApprove, toRefuse].map((item) => `${item.videoidPk},${item.requestPk},${item.email}`)
  const answers = await app.evaluate(
    async ({ pairs, approve, refuse, checklist }) => {
      return [
        await window.rao.addCases({ text: pairs.join('\n') }),
        await window.rao.decide({ action: 'approve', videoidPk: approve, checklist }),
        await window.rao.decide({
          action: 'refuse',
          videoidPk: refuse,
          checklist: { checked: [], securityFeatures: [], snapshots: {} },
          reason: { code: 'face_mismatch', text: 'The document photo does not match the face.' },
          language: 'en',
        }),
        await window.rao.createVideoId({
          mobilePhoneNumber: '+34 600 123 456',
          email: 'signer@example.org',
          registrationAuthority: '1466',
          profile: 'P',
        }),
      ].map((answer) => answer.ok)
    },
    { pairs, approve: toApprove.videoidPk, refuse: toRefuse.videoidPk, checklist: FULL_CHECKLIST },
  )
  expect(answers).toEqual([true, true, true, true])
  expect([toApprove.status, toRefuse.status]).toEqual(['ENROLLREADY', 'CANCELLED'])

  await app.getByRole('button', { name: 'Use an Optimizer token' }).click()
  await expect(app.getByText('Calls carry an Optimizer token.')).toBeVisible()
  const [tokenUid] = simulator.state.tokens.keys()
  if (!tokenUid) throw new Error('no token was created')
  secrets.push(tokenUid)
  await app.getByRole('button', { name: 'Show what the token holds' }).click()
  await expect(app.getByText(`The token holds username ${OFFICER.username}`)).toBeVisible()
  await app.getByRole('button', { name: 'Revoke the token' }).click()
  await expect(app.getByText('Username, password and PIN')).toBeVisible()
  expect(simulator.state.tokens.size).toBe(0)

  await app.getByRole('button', { name: 'Forget credentials…' }).click()
  await app.getByRole('button', { name: 'Forget', exact: true }).click()
  await expect(app.getByRole('heading', { name: 'Set up your RAO credentials' })).toBeVisible()

  const everything = [readTree(harness.dataDir), harness.transcript.join('\n'), await app.content()].join(
    '\n',
  )
  expect(harness.transcript.length).toBeGreaterThan(5)
  expect(readFileSync(harness.logFile, 'utf8')).toContain('oneshot call')
  for (const secret of secrets) expect(everything).not.toContain(secret)
})
