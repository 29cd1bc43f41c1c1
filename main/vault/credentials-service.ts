import {
  type CredentialStatus,
  type CredentialsPatch,
  credentialsPatchSchema,
  type NewCredentials,
  newCredentialsSchema,
  type SavedCredentials,
  type TokenInfo,
} from '../../shared/credentials'
import { AppError } from '../../shared/errors'
import type { Environment } from '../../shared/settings'
import type { Logger } from '../log'
import type { RaoAuthority } from '../oneshot/authority'
import type { OneShotClient } from '../oneshot/client'
import { credentialsLost, type OfficerSecrets, type Vault } from './vault'

export interface CredentialsServiceOptions {
  vault: Vault
  oneshot: Pick<OneShotClient, 'createToken' | 'getToken' | 'deleteToken' | 'listTokens'>
  /** The environment in force (a setting): each has its own credentials. */
  environment: () => Environment
  log: Logger
}

/**
 * The officer's credentials as the app uses them: status for the renderer (never a secret), set-up
 * and changes, an explicit check with the Optimizer, token mode, and forgetting.
 */
export function createCredentialsService(options: CredentialsServiceOptions) {
  const { vault, oneshot, log } = options

  async function status(): Promise<CredentialStatus> {
    const environment = options.environment()
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
      return {
        environment,
        state: 'ready',
        username: secrets.username,
        rao: secrets.rao,
        mode: secrets.tokenUid ? 'token' : 'credentials',
        ...(secrets.billingUsername ? { billingUsername: secrets.billingUsername } : {}),
      }
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      return { environment, state: 'keychain_problem', problem: error.toShape() }
    }
  }

  const tokenRequest = (secrets: { username: string; password: string; pin: string }) => ({
    username: secrets.username,
    password: secrets.password,
    pin: secrets.pin,
    environment: options.environment(),
  })

  /** A token that could not be deleted now: its uid is kept in the keychain and deleted when possible. */
  async function revokeLater(uid: string): Promise<void> {
    const environment = options.environment()
    const waiting = await vault.tokensToRevoke(environment)
    if (!waiting.includes(uid)) await vault.setTokensToRevoke(environment, [...waiting, uid])
    log.warn('optimizer token kept to revoke later')
  }

  /** Deletes a token, or keeps it to revoke later; true when it is gone from the Optimizer. */
  const deleteOrKeep = (uid: string) =>
    oneshot.deleteToken(uid).then(
      () => true,
      async (error: AppError) => {
        if (error.code === 'not_found') return true
        await revokeLater(uid)
        return false
      },
    )

  /**
   * Creates a token. The Optimizer refuses a second token for the same credentials; one left over (a
   * check whose delete failed, another workstation's) is found by username and deleted, then once more.
   */
  async function createTokenFor(secrets: OfficerSecrets): Promise<string> {
    try {
      return await oneshot.createToken(tokenRequest(secrets))
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'rejected') throw error
      const leftovers = (await oneshot.listTokens()).filter((token) => token.username === secrets.username)
      if (!leftovers.length) throw error
      for (const token of leftovers) await oneshot.deleteToken(token.uid).catch(() => undefined)
      log.info('leftover optimizer tokens deleted', { count: leftovers.length })
      return oneshot.createToken(tokenRequest(secrets))
    }
  }

  /** Asks the Optimizer whether it knows the credentials: a token made and deleted again. */
  async function checkWithOptimizer(secrets: OfficerSecrets): Promise<void> {
    try {
      await deleteOrKeep(await createTokenFor(secrets))
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found') {
        throw new AppError(
          'invalid_credentials',
          'The Optimizer does not recognise these RAO credentials.',
          error.detail,
        )
      }
      throw error
    }
  }

  /**
   * Saves credentials after the Optimizer accepted them; ones it refuses are not saved. Where it cannot
   * be asked now (offline, a fault of its own), they are saved, and the answer says they were not checked.
   */
  async function checkAndSave(secrets: OfficerSecrets): Promise<SavedCredentials> {
    let check: SavedCredentials['check'] = 'verified'
    try {
      await checkWithOptimizer(secrets)
    } catch (error) {
      if (!(error instanceof AppError) || error.code === 'invalid_credentials') throw error
      check = 'not_checked'
    }
    await vault.write(options.environment(), secrets)
    return { status: await status(), check }
  }

  /** The token is gone from the Optimizer: decisions go back to the full credentials. */
  async function dropToken(secrets: OfficerSecrets): Promise<void> {
    const { tokenUid: _gone, ...rest } = secrets
    await vault.write(options.environment(), rest)
    log.info('optimizer token gone; back to full credentials')
  }

  return {
    status,

    /** First set-up, or a new one after the credentials were lost or forgotten; checked before saving. */
    setUp: (input: NewCredentials) => checkAndSave(newCredentialsSchema.parse(input)),

    async update(patch: CredentialsPatch): Promise<SavedCredentials> {
      const current = await vault.requireSecrets(options.environment())
      const changes = Object.fromEntries(
        Object.entries(credentialsPatchSchema.parse(patch)).filter(([, value]) => value !== undefined),
      )
      return checkAndSave({ ...current, ...changes })
    },

    /** Forgets everything; revokes the token on the Optimizer first where there is one. */
    async forget(): Promise<{ tokenRevoked: boolean | null }> {
      const environment = options.environment()
      const current = await vault.read(environment)
      let tokenRevoked: boolean | null = null
      if (current.state === 'ready' && current.secrets.tokenUid)
        tokenRevoked = await deleteOrKeep(current.secrets.tokenUid)
      await vault.forget(environment)
      return { tokenRevoked }
    },

    /** The explicit check with the Optimizer: create a token and delete it again, or read the one held. */
    async verify(): Promise<{ method: 'credentials' | 'token' }> {
      const secrets = await vault.requireSecrets(options.environment())
      if (secrets.tokenUid) {
        try {
          await oneshot.getToken(secrets.tokenUid)
          return { method: 'token' }
        } catch (error) {
          if (!(error instanceof AppError) || error.code !== 'not_found') throw error
          await dropToken(secrets)
        }
      }
      await checkWithOptimizer(secrets)
      return { method: 'credentials' }
    },

    /** Token mode: the Optimizer stores the credentials and a token replaces the password and PIN in calls. */
    async createToken(): Promise<CredentialStatus> {
      const environment = options.environment()
      const secrets = await vault.requireSecrets(environment)
      if (!secrets.tokenUid) {
        const tokenUid = await createTokenFor(secrets)
        await vault.write(environment, { ...secrets, tokenUid })
      }
      return status()
    },

    async tokenInfo(): Promise<TokenInfo> {
      const secrets = await vault.requireSecrets(options.environment())
      if (!secrets.tokenUid) throw new AppError('credentials_missing', 'No Optimizer token is in use.')
      try {
        return await oneshot.getToken(secrets.tokenUid)
      } catch (error) {
        if (error instanceof AppError && error.code === 'not_found') await dropToken(secrets)
        throw error
      }
    },

    /** Deletes the token on the Optimizer (the only way to revoke it) and goes back to full credentials. */
    async revokeToken(): Promise<CredentialStatus> {
      const secrets = await vault.requireSecrets(options.environment())
      if (secrets.tokenUid) {
        await oneshot.deleteToken(secrets.tokenUid).catch((error: AppError) => {
          if (error.code !== 'not_found') throw error
        })
        await dropToken(secrets)
      }
      return status()
    },

    /** The authority a decision to this Optimizer carries. */
    authority: (_optimizer: string): Promise<RaoAuthority> => vault.authority(options.environment()),

    /** Revokes the tokens kept for later, now that the Optimizer may answer; keeps those it still cannot. */
    async revokeWaitingTokens(): Promise<number> {
      const environment = options.environment()
      const waiting = await vault.tokensToRevoke(environment)
      const left: string[] = []
      for (const uid of waiting) {
        const gone = await oneshot.deleteToken(uid).then(
          () => true,
          (error: AppError) => error.code === 'not_found',
        )
        if (!gone) left.push(uid)
      }
      if (left.length !== waiting.length) await vault.setTokensToRevoke(environment, left)
      return waiting.length - left.length
    },
  }
}
