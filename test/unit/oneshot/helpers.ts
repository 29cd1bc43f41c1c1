import { execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { writeAll } from '../../../main/fs/durable'
import { createLogger } from '../../../main/log'
import type { RaoAuthority } from '../../../main/oneshot/authority'
import { createOneShotClient } from '../../../main/oneshot/client'
import type { PartWriter } from '../../../main/oneshot/download'
import { createDispatcher } from '../../../main/oneshot/transport'
import type { AppError } from '../../../shared/errors'
import type { Mode, RaoAccount } from '../../simulator/seed'
import type { Simulator } from '../../simulator/server'

export const TEST_RAO: RaoAccount = {
  username: '9001811',
  password: 'Officer-Pass-77',
  pin: '58213947',
  rao: '1402',
}

/** A download's body written as it comes, for tests that compare it with the video (the app's cache seals it). */
export const asItComes = {
  writer: (fd: number): PartWriter => ({
    write: (piece) => writeAll(fd, piece),
    end: () => undefined,
    close: () => closeSync(fd),
  }),
}

export const credentialsOf = (account: RaoAccount): RaoAuthority => ({ kind: 'credentials', ...account })

/**
 * A client with short timeouts and retry delays, so that faults are quick to see; its decisions carry
 * the given authority, as the decision service passes the one it read.
 */
export function clientFor(simulator: Simulator, authority: RaoAuthority = credentialsOf(TEST_RAO)) {
  const lines: string[] = []
  const raw = createOneShotClient({
    baseUrl: () => simulator.url,
    dispatcher: createDispatcher({
      timeouts: { connectMs: 1_000, headersMs: 1_000, bodyMs: 300 },
      retryDelayMs: 10,
    }),
    log: createLogger((line) => lines.push(line)),
  })
  const client = {
    ...raw,
    approve: (videoidPk: number) => raw.approve(videoidPk, authority),
    validate: (videoidPk: number) => raw.validate(videoidPk, authority),
    refuse: (videoidPk: number, reason: string) => raw.refuse(videoidPk, reason, authority),
  }
  return { client, lines }
}

/** The first case in this state (and mode), as the simulator seeded it. */
export function caseIn(simulator: Simulator, status: string, mode?: Mode) {
  for (const candidate of simulator.state.cases.values()) {
    if (candidate.status === status && (mode === undefined || candidate.mode === mode)) return candidate
  }
  throw new Error(`the simulator has no ${status} case${mode ? ` in ${mode} mode` : ''}`)
}

export async function failureOf(promise: Promise<unknown>): Promise<AppError> {
  return promise.then(
    () => {
      throw new Error('expected a failure, got success')
    },
    (reason: AppError) => reason,
  )
}

/** A fresh self-signed certificate for 127.0.0.1, as PEM. */
export function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'rao-tls-'))
  const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')]
  const subject = ['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']
  const args = [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    ...subject,
    '-keyout',
    key,
    '-out',
    cert,
  ]
  execFileSync('openssl', args, { stdio: 'ignore' })
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') }
}

/**
 * What an error of a call that carried a secret says in place of the Optimizer's words, written here
 * by hand (not taken from the code under test).
 */
export const WITHHELD = 'the Optimizer’s words are not shown, as the call carried credentials'
