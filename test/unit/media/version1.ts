import { createCipheriv, createHash, randomBytes } from 'node:crypto'
import keytar from '@github/keytar'
import type { SealKey } from '../../../main/cases/seal'

// A file as version 1 of the cache sealed it, written here by hand from the format (header, then 64 KiB
// chunks each `nonce | ciphertext | tag` with the chunk's index and last flag as associated data): the
// same as version 2 but for the key wrap, which authenticated the header's 32 bytes of fields alone.
const CHUNK = 64 * 1024

export function sealVersion1(mediaKey: SealKey, plain: Buffer): Buffer {
  const fileKey = randomBytes(32)
  const fields = Buffer.alloc(32)
  fields.write('RAOM', 0, 'latin1')
  fields[4] = 1
  fields.writeUInt32BE(CHUNK, 8)
  fields.writeBigUInt64BE(BigInt(plain.length), 12)
  fields.write(mediaKey.id, 20, 12, 'latin1')
  const nonce = randomBytes(12)
  const wrap = createCipheriv('aes-256-gcm', mediaKey.key, nonce).setAAD(fields)
  const wrapped = Buffer.concat([wrap.update(fileKey), wrap.final()])
  const count = Math.max(1, Math.ceil(plain.length / CHUNK))
  const chunks = Array.from({ length: count }, (_, index) => {
    const chunkNonce = randomBytes(12)
    const data = Buffer.alloc(9)
    data.writeBigUInt64BE(BigInt(index))
    data[8] = index === count - 1 ? 1 : 0
    const cipher = createCipheriv('aes-256-gcm', fileKey, chunkNonce).setAAD(data)
    const piece = plain.subarray(index * CHUNK, (index + 1) * CHUNK)
    return Buffer.concat([chunkNonce, cipher.update(piece), cipher.final(), cipher.getAuthTag()])
  })
  return Buffer.concat([fields, nonce, wrapped, wrap.getAuthTag(), ...chunks])
}

/** The media key a test's services keep in the keychain, as they read it (its id: the key's fingerprint). */
export async function storedMediaKey(keychainService: string): Promise<SealKey> {
  const stored = await keytar.getPassword(`${keychainService}.media`, 'media-key')
  if (!stored) throw new Error('no media key in the keychain')
  const key = Buffer.from(stored, 'base64')
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 12), key }
}
