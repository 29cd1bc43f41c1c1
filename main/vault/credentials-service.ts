import {
  type CredentialStatus,
  type CredentialsPatch,
  credentialsPatchSchema,
  type NewCredentials,
  newCredentialsSchema,
  type SavedCredentials,
  type TokenInfo,
} from '../../shared/credentials'
import { AppError, type ErrorCode } from '../../shared/errors'
import { optimizerAnswers } from '../cases/gone'
import type { Logger } from '../log'
import type { RaoAuthority } from '../oneshot/authority'
import type { BillingCredentials, OneShotClient } from '../oneshot/client'
import { answerLost } from '../oneshot/errors'
import type { Scope } from '../scope'
import { credentialsLost, type OfficerSecrets, sameOptimizer, type Vault } from './vault'

type TokenCalls = Pick<OneShotClient, 'createToken' | 'getToken' | 'deleteToken' | 'listTokens' | 'hello'>

export interface CredentialsServiceOptions {
  vault: Vault
  /** The token calls, to one scope's Optimizer: an operation takes its scope once and keeps it. */
  oneshotFor: (scope: Scope) => TokenCalls
  /** The Optimizer address and environment in use (settings); each environment has its own credentials. */
  scope: () => Scope
  log: Logger
}

/** The credentials were checked with another Optimizer: nothing of them goes to the one in use. */
export const credentialsOtherOptimizer = () =>
  new AppError(
    'credentials_other_optimizer',
    'The RAO credentials were checked with another Optimizer address. Nothing was sent: enter the password and PIN again for the address in use.',
  )

const foreignToken = (detail: string | undefined) =>
  new AppError(
    'foreign_token',
    'The Optimizer already holds a token for these credentials that RAO Desk did not create (another workstation’s, or the RA’s own systems’). RAO Desk leaves it alone.',
    detail,
  )

/** A 404 to a token from an address that does not answer as an Optimizer: nothing is dropped. */
const notTheOptimizers404 = (detail: string | undefined) =>
  new AppError(
    'unexpected_answer',
    'The Optimizer address answers “not found” to everything: check the address, or the proxy in front of it. The token is kept.',
    detail,
  )

const lostAnswer = (detail: string | undefined) =>
  new AppError(
    'answer_lost',
    'The Optimizer’s answer was lost: whether it made the token is not known.',
    detail,
  )

/** The only failures that mean the Optimizer was not reached; any other is its answer. */
const NOT_REACHED: ReadonlySet<ErrorCode> = new Set(['unreachable', 'timeout', 'tls'])

/** Where one operation acts: the environment's credentials, at the address in use when it began. */
type Bound = Scope & { oneshot: TokenCalls }

const authorityOf = (secrets: OfficerSecrets): RaoAuthority =>
  secrets.tokenUid
    ? { kind: 'token', token: secrets.tokenUid, rao: secrets.rao }
    : {
        kind: 'credentials',
        username: secrets.username,
        password: secrets.password,
        pin: secrets.pin,
        rao: secrets.rao,
      }

/**
 * The officer's credentials as the app uses them: status for the renderer (never a secret), set-up
 * and changes, an explicit check with the Optimizer, token mode, and forgetting. Credentials, their
 * token and the tokens waiting to be revoked are bound to the Optimizer address they were checked
 * with, and sent nowhere else; only the tokens this desk made are ever deleted.
 */
export function createCredentialsService(options: CredentialsServiceOptions) {
  const { vault, log } = options

  const scopeNow = (scope: Scope = options.scope()): Bound => ({
    ...scope,
    oneshot: options.oneshotFor(scope),
  })

  /** Operations that change the keychain run one at a time: a token list read and written twice at once loses one. */
  let queue: Promise<unknown> = Promise.resolve()
  const oneAtATime = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task)
    queue = run.catch(() => undefined)
    return run
  }

  /** What the renderer may know of a scope's credentials (the one in use unless said): never a secret. */
  async function status(scope: Scope = options.scope()): Promise<CredentialStatus> {
    const { environment, optimizer } = scope
    try {
      const current = await vault.read(environment)
      if (current.state === 'none') return { environment, state: 'none' }
      if (current.state === 'lost') {
        return {
          environment,
          state: 'lost',
          username: current.record.username,
          rao: current.record.rao,
          problem: credentialsLost().toShape(),
        }
      }
      const { secrets } = current
      const here = sameOptimizer(secrets.optimizer, optimizer)
      return {
        environment,
        state: here ? 'ready' : 'other_optimizer',
        username: secrets.username,
        rao: secrets.rao,
        mode: secrets.tokenUid ? 'token' : 'credentials',
        ...(secrets.billingUsername ? { billingUsername: secrets.billingUsername } : {}),
        optimizer: secrets.optimizer,
        ...(here ? {} : { problem: credentialsOtherOptimizer().toShape() }),
      }
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      return { environment, state: 'keychain_problem', problem: error.toShape() }
    }
  }

  /** The stored credentials, if they are bound to the scope's Optimizer; never sent elsewhere. */
  async function requireHere(scope: Bound): Promise<OfficerSecrets> {
    const secrets = await vault.requireSecrets(scope.environment)
    if (!sameOptimizer(secrets.optimizer, scope.optimizer)) throw credentialsOtherOptimizer()
    return secrets
  }

  async function keepToRevoke(scope: Scope, uid: string, optimizer = scope.optimizer): Promise<void> {
    const waiting = await vault.tokensToRevoke(scope.environment)
    if (!waiting.some((token) => token.uid === uid))
      await vault.setTokensToRevoke(scope.environment, [...waiting, { uid, optimizer }])
  }

  async function noLongerToRevoke(scope: Scope, uid: string): Promise<void> {
    const waiting = await vault.tokensToRevoke(scope.environment)
    if (waiting.some((token) => token.uid === uid))
      await vault.setTokensToRevoke(
        scope.environment,
        waiting.filter((token) => token.uid !== uid),
      )
  }

  /**
   * A token's 404 means it is gone only where the address answers as an Optimizer (the rule of
   * `gone.ts`): a proxy's 404 says nothing of it, and is reported rather than believed.
   */
  async function believed404(scope: Bound, error: unknown): Promise<never> {
    if (error instanceof AppError && error.code === 'not_found' && !(await optimizerAnswers(scope.oneshot)))
      throw notTheOptimizers404(error.detail)
    throw error
  }

  /** `GET /token/{uid}`; rejects `not_found` only when the Optimizer itself says the token is gone. */
  const readToken = (scope: Bound, uid: string) =>
    scope.oneshot.getToken(uid).catch((error: unknown) => believed404(scope, error))

  /** `DELETE /token/{uid}`; resolves once the token is gone, by this call or before it. */
  const removeToken = (scope: Bound, uid: string) =>
    scope.oneshot
      .deleteToken(uid)
      .catch((error: unknown) => believed404(scope, error))
      .catch((error: unknown) => {
        if (!(error instanceof AppError) || error.code !== 'not_found') throw error
      })

  /** Deletes a token of this desk's at the scope's Optimizer, or keeps it to revoke later; true when gone. */
  async function deleteOwnToken(scope: Bound, uid: string): Promise<boolean> {
    const gone = await removeToken(scope, uid).then(
      () => true,
      () => false,
    )
    if (gone) await noLongerToRevoke(scope, uid)
    else {
      await keepToRevoke(scope, uid)
      log.warn('optimizer token kept to revoke later')
    }
    return gone
  }

  /** A token no longer in use: deleted where it is held if that is the scope's Optimizer, else kept to revoke there. */
  async function retire(scope: Bound, previous: OfficerSecrets): Promise<void> {
    if (!previous.tokenUid) return
    if (sameOptimizer(previous.optimizer, scope.optimizer)) await deleteOwnToken(scope, previous.tokenUid)
    else await keepToRevoke(scope, previous.tokenUid, previous.optimizer)
  }

  /** The uids of this username's tokens at the scope's Optimizer (`GET /tokens`). */
  const tokensOf = async (scope: Bound, username: string) =>
    (await scope.oneshot.listTokens())
      .filter((token) => token.username === username)
      .map((token) => token.uid)

  /**
   * `POST /token`; its uid goes to the keychain the moment it is known, so that one left behind is known
   * as this desk's. After a lost answer, the list read before tells which token is the one just made:
   * the one uid of this username that was not there before. Without one, the answer was lost.
   */
  async function create(scope: Bound, secrets: OfficerSecrets, before: readonly string[]): Promise<string> {
    let uid: string
    try {
      uid = await scope.oneshot.createToken({
        username: secrets.username,
        password: secrets.password,
        pin: secrets.pin,
        environment: scope.environment,
      })
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      // The Optimizer answers unknown credentials with a 404 ("Error getting RAO's id").
      if (error.code === 'not_found')
        throw new AppError(
          'invalid_credentials',
          'The Optimizer does not recognise these RAO credentials.',
          error.detail,
        )
      if (!answerLost(error)) throw error
      const after = await tokensOf(scope, secrets.username).catch(() => [])
      const made = after.filter((candidate) => !before.includes(candidate))
      if (made.length !== 1 || made[0] === undefined) throw lostAnswer(error.detail)
      uid = made[0]
      log.info('optimizer token whose answer was lost found and kept as this desk’s')
    }
    await keepToRevoke(scope, uid)
    return uid
  }

  /**
   * Makes a token of this desk's, reading the Optimizer's token list first. The Optimizer refuses a
   * second token for the same credentials (a 400 among others; its words are not relied on): the list
   * then tells whose the first is. Only this desk's are deleted; another's (a workstation's, the RA's
   * back end's) is left alone.
   */
  async function createOwnToken(scope: Bound, secrets: OfficerSecrets): Promise<string> {
    const listed = await tokensOf(scope, secrets.username)
    try {
      return await create(scope, secrets, listed)
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'rejected') throw error
      const own = new Set((await vault.tokensToRevoke(scope.environment)).map((token) => token.uid))
      const current = await vault.read(scope.environment)
      if (current.state === 'ready' && current.secrets.tokenUid) own.add(current.secrets.tokenUid)
      const leftovers = listed.filter((uid) => own.has(uid))
      const othersHold = listed.length > leftovers.length
      if (!leftovers.length) throw othersHold ? foreignToken(error.detail) : error
      for (const uid of leftovers) await deleteOwnToken(scope, uid)
      log.info('leftover optimizer tokens of this desk deleted', { count: leftovers.length })
      try {
        return await create(
          scope,
          secrets,
          listed.filter((uid) => !leftovers.includes(uid)),
        )
      } catch (again) {
        if (othersHold && again instanceof AppError && again.code === 'rejected')
          throw foreignToken(again.detail)
        throw again
      }
    }
  }

  /** Asks the Optimizer whether it knows the credentials: a token made and deleted again. */
  async function checkWithOptimizer(scope: Bound, secrets: OfficerSecrets): Promise<void> {
    await deleteOwnToken(scope, await createOwnToken(scope, secrets))
  }

  /**
   * Checks credentials with the scope's Optimizer, then saves them bound to it; ones it answers
   * anything but yes to are not saved. Only where it cannot be reached (network, timeout, TLS), or where
   * it holds a token for them made elsewhere, are they saved unchecked, and the answer says which.
   * With `keepToken`, token mode stays: a change of password or PIN makes a new token, so that decisions
   * never carry stale secrets. Any token of `previous` not kept is retired. With `verifiedOnly`, only
   * the Optimizer's yes saves them: any other outcome is thrown, and nothing is saved.
   */
  async function checkAndSave(
    scope: Bound,
    secrets: Omit<OfficerSecrets, 'optimizer' | 'tokenUid'>,
    {
      previous,
      keepToken,
      verifiedOnly = false,
    }: { previous: OfficerSecrets | undefined; keepToken: boolean; verifiedOnly?: boolean },
  ): Promise<SavedCredentials> {
    const candidate: OfficerSecrets = { ...secrets, optimizer: scope.optimizer }
    const held =
      keepToken && previous?.tokenUid && sameOptimizer(previous.optimizer, scope.optimizer)
        ? previous.tokenUid
        : undefined
    const sameSecrets = previous?.password === secrets.password && previous?.pin === secrets.pin
    let check: SavedCredentials['check'] = 'verified'
    let tokenUid: string | undefined
    try {
      if (held && sameSecrets) {
        // Nothing the token holds changed: reading it is the check, and it stays.
        tokenUid = await readToken(scope, held).then(
          () => held,
          async (error: AppError) => {
            if (error.code !== 'not_found') throw error
            await checkWithOptimizer(scope, candidate)
            return undefined
          },
        )
      } else if (held) tokenUid = await createOwnToken(scope, candidate)
      else await checkWithOptimizer(scope, candidate)
    } catch (error) {
      if (!(error instanceof AppError) || verifiedOnly) throw error
      if (NOT_REACHED.has(error.code) || error.code === 'answer_lost') {
        check = error.code === 'answer_lost' ? 'answer_lost' : 'not_checked'
        // A token holding the password and PIN in force may stay; one holding old ones may not.
        if (sameSecrets) tokenUid = held
      } else if (error.code === 'foreign_token') check = 'token_elsewhere'
      else throw error
    }
    await vault.write(scope.environment, { ...candidate, ...(tokenUid ? { tokenUid } : {}) })
    if (tokenUid) await noLongerToRevoke(scope, tokenUid)
    if (previous?.tokenUid && previous.tokenUid !== tokenUid) await retire(scope, previous)
    return { status: await status(scope), check }
  }

  /** The token is gone from the Optimizer: decisions go back to the full credentials. */
  async function dropToken(scope: Bound, secrets: OfficerSecrets): Promise<void> {
    const { tokenUid: _gone, ...rest } = secrets
    await vault.write(scope.environment, rest)
    log.info('optimizer token gone; back to full credentials')
  }

  /** The stored entry, whatever Optimizer it is bound to, or nothing. */
  async function stored(scope: Scope): Promise<OfficerSecrets | undefined> {
    const current = await vault.read(scope.environment)
    return current.state === 'ready' ? current.secrets : undefined
  }

  return {
    status,

    /**
     * First set-up, a new one after the credentials were lost or forgotten, or the password and PIN
     * entered again for another Optimizer address; checked there before saving.
     */
    setUp: (input: NewCredentials, { verifiedOnly = false }: { verifiedOnly?: boolean } = {}) =>
      oneAtATime(async () => {
        const scope = scopeNow()
        const secrets = newCredentialsSchema.parse(input)
        // A new set-up starts from the credentials alone: any token of the one before is retired.
        return checkAndSave(scope, secrets, {
          previous: await stored(scope),
          keepToken: false,
          verifiedOnly,
        })
      }),

    update: (patch: CredentialsPatch) =>
      oneAtATime(async () => {
        const scope = scopeNow()
        const current = await requireHere(scope)
        const changes = Object.fromEntries(
          Object.entries(credentialsPatchSchema.parse(patch)).filter(([, value]) => value !== undefined),
        )
        const { tokenUid: _token, optimizer: _optimizer, ...secrets } = { ...current, ...changes }
        return checkAndSave(scope, secrets, { previous: current, keepToken: true })
      }),

    /** Forgets everything; revokes the token first where there is one (at its own Optimizer only). */
    forget: () =>
      oneAtATime(async (): Promise<{ tokenRevoked: boolean | null }> => {
        const scope = scopeNow()
        const current = await stored(scope)
        let tokenRevoked: boolean | null = null
        if (current?.tokenUid) {
          if (sameOptimizer(current.optimizer, scope.optimizer))
            tokenRevoked = await deleteOwnToken(scope, current.tokenUid)
          else {
            await retire(scope, current)
            tokenRevoked = false
          }
        }
        await vault.forget(scope.environment)
        return { tokenRevoked }
      }),

    /** The explicit check with the Optimizer: create a token and delete it again, or read the one held. */
    verify: () =>
      oneAtATime(async (): Promise<{ method: 'credentials' | 'token' }> => {
        const scope = scopeNow()
        const secrets = await requireHere(scope)
        if (secrets.tokenUid) {
          try {
            await readToken(scope, secrets.tokenUid)
            return { method: 'token' }
          } catch (error) {
            if (!(error instanceof AppError) || error.code !== 'not_found') throw error
            await dropToken(scope, secrets)
          }
        }
        await checkWithOptimizer(scope, secrets)
        return { method: 'credentials' }
      }),

    /** Token mode: the Optimizer stores the credentials and a token replaces the password and PIN in calls. */
    createToken: () =>
      oneAtATime(async (): Promise<CredentialStatus> => {
        const scope = scopeNow()
        const secrets = await requireHere(scope)
        if (!secrets.tokenUid) {
          const tokenUid = await createOwnToken(scope, secrets)
          await vault.write(scope.environment, { ...secrets, tokenUid })
          await noLongerToRevoke(scope, tokenUid)
        }
        return status(scope)
      }),

    /** The token's details at its Optimizer, for the scope in use unless said (a decision's own). */
    tokenInfo: (given?: Scope) =>
      oneAtATime(async (): Promise<TokenInfo> => {
        const scope = scopeNow(given)
        const secrets = await requireHere(scope)
        if (!secrets.tokenUid) throw new AppError('credentials_missing', 'No Optimizer token is in use.')
        try {
          return await readToken(scope, secrets.tokenUid)
        } catch (error) {
          if (error instanceof AppError && error.code === 'not_found') await dropToken(scope, secrets)
          throw error
        }
      }),

    /** Deletes the token on the Optimizer (the only way to revoke it) and goes back to full credentials. */
    revokeToken: () =>
      oneAtATime(async (): Promise<CredentialStatus> => {
        const scope = scopeNow()
        const secrets = await requireHere(scope)
        if (secrets.tokenUid) {
          await removeToken(scope, secrets.tokenUid)
          await dropToken(scope, secrets)
        }
        return status(scope)
      }),

    /**
     * What a decision carries, in the scope it took at its start: that environment's credentials, only
     * if they are bound to that address, else a typed error.
     */
    async authority(scope: Scope): Promise<RaoAuthority> {
      const secrets = await vault.requireSecrets(scope.environment)
      if (!sameOptimizer(secrets.optimizer, scope.optimizer)) throw credentialsOtherOptimizer()
      return authorityOf(secrets)
    },

    /** The officer's billing credentials for a scope, where they stored any bound to its Optimizer. */
    async billing(scope: Scope): Promise<BillingCredentials | undefined> {
      const current = await vault.read(scope.environment)
      if (current.state !== 'ready' || !sameOptimizer(current.secrets.optimizer, scope.optimizer))
        return undefined
      const { billingUsername, billingPassword } = current.secrets
      return billingUsername && billingPassword
        ? { username: billingUsername, password: billingPassword }
        : undefined
    },

    /** Revokes this desk's tokens kept for later at the Optimizer in use; keeps those it cannot, and others'. */
    revokeWaitingTokens: () =>
      oneAtATime(async (): Promise<number> => {
        const scope = scopeNow()
        const here = (await vault.tokensToRevoke(scope.environment)).filter((token) =>
          sameOptimizer(token.optimizer, scope.optimizer),
        )
        let revoked = 0
        for (const token of here) if (await deleteOwnToken(scope, token.uid)) revoked++
        return revoked
      }),
  }
}
