import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { AppError } from '../../shared/errors'
import { fromKeychainError, type Keychain } from '../vault/keychain'

/** The case book's key: 32 random bytes, kept in the OS keychain beside the credentials, never on disk. */
export interface SealKey {
  /** A short fingerprint written beside each sealed value, so a lost key is told apart from damage. */
  id: string
  key: Buffer
}

const ACCOUNT = 'case-book-key'
const fingerprint = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 12)
const toKey = (key: Buffer): SealKey => ({ id: fingerprint(key), key })

/** Seals a value with AES-256-GCM: `<key id>.<iv>.<tag>.<ciphertext>`, base64url. */
export function seal(key: SealKey, value: unknown): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key.key, iv)
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()])
  return [key.id, iv, cipher.getAuthTag(), body]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.')
}

/** Whether a sealed value names this key: one that does not cannot be opened, and is not tried. */
export const sealedWith = (key: SealKey | null, sealed: string) =>
  key !== null && sealed.slice(0, sealed.indexOf('.')) === key.id

/** The value, or undefined where it was sealed with another key or fails its authentication. */
export function unseal(key: SealKey | null, sealed: string): unknown {
  const [id, iv, tag, body] = sealed.split('.')
  if (!key || id !== key.id || !iv || !tag || body === undefined) return undefined
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'))
    decipher.setAuthTag(Buffer.from(tag, 'base64url'))
    const text = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()])
    return JSON.parse(text.toString('utf8'))
  } catch {
    return undefined
  }
}

/**
 * Reads and creates a key kept in the keychain (the case book's, by default); a keychain failure is an
 * error, never a fallback. Creation is single-flight: two first writes at once get the same key, never
 * two keys of which one is then lost with what it sealed.
 */
export function createKeyStore(keychain: Keychain, service: string, account = ACCOUNT) {
  const guarded = async <T>(operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation()
    } catch (error) {
      throw error instanceof AppError ? error : fromKeychainError(error)
    }
  }
  const read = () =>
    guarded(async () => {
      const stored = await keychain.getPassword(service, account)
      const key = stored === null ? null : Buffer.from(stored, 'base64')
      return key?.length === 32 ? toKey(key) : null
    })
  let creating: Promise<SealKey> | undefined
  return {
    read,
    /** The key, made now if there is none. Read again first: a collection unlocked meanwhile may hold one. */
    readOrCreate(): Promise<SealKey> {
      creating ??= (async () => {
        try {
          const existing = await read()
          if (existing) return existing
          const key = randomBytes(32)
          await guarded(() => keychain.setPassword(service, account, key.toString('base64')))
          return toKey(key)
        } finally {
          creating = undefined
        }
      })()
      return creating
    },
  }
}

export type KeyStore = ReturnType<typeof createKeyStore>
