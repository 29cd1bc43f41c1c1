import { appendFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import keytar from '@github/keytar'
import { describe, expect, it } from 'vitest'
import type { Keychain } from '../../../main/vault/keychain'
import { eachTestWorld, servicesFor } from '../vault/fixtures'
import { desk, JAVIER } from './desk'

// What a start reads before the lock screen has its answer: the lock's record and the credentials, never
// the case book, which is read whole (a desk of years would wait seconds for its lock screen). Where no
// credentials decide, whether the desk holds signers' data is told from the book's file alone.
const world = eachTestWorld()

/** The real keychain, noting each account read: the book's key read says the book is being opened. */
function watchedKeychain(asked: string[]): Keychain {
  return {
    getPassword: (service, account) => {
      asked.push(account)
      return keytar.getPassword(service, account)
    },
    setPassword: (service, account, value) => keytar.setPassword(service, account, value),
    deletePassword: (service, account) => keytar.deletePassword(service, account),
  }
}

const BOOK_KEY = 'case-book-key'
const bookFile = () => path.join(world.dataDir, 'case-book.jsonl')

function restartWatched() {
  const asked: string[] = []
  const app = servicesFor(world.dataDir, world.service, world.simulator.url, undefined, {
    keychain: watchedKeychain(asked),
  })
  return { app, asked }
}

describe('the lock at start', () => {
  it('answers the lock screen without opening the case book; the start’s work opens it a moment after', async () => {
    await (await desk(world)).app.close()
    const { app, asked } = restartWatched()
    app.start()
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(await app.handlers.getLockState(undefined)).toMatchObject({ locked: true, unlockWith: 'pin' })
    expect(asked).not.toContain(BOOK_KEY)
    // Behind the lock screen, while the officer types the PIN: the first sync round and the purge.
    await expect.poll(() => asked.includes(BOOK_KEY), { timeout: 5000 }).toBe(true)
    await app.close()
  })

  it('with no credentials left, locks a desk whose book holds cases without opening the book', async () => {
    await (await desk(world)).app.close()
    await keytar.deletePassword(`${world.service}.sandbox`, 'officer')
    const { app, asked } = restartWatched()
    app.start()
    expect(await app.handlers.getLockState(undefined)).toMatchObject({ locked: true, unlockWith: 'set_up' })
    expect(asked).not.toContain(BOOK_KEY)
    await app.close()
  })

  it('with no credentials left, locks a desk whose only trace of a signer is its journal (a book started anew, its copies deleted)', async () => {
    const { app: first } = await desk(world)
    await first.handlers.decide({
      action: 'refuse',
      videoidPk: JAVIER.videoidPk,
      checklist: { checked: [], securityFeatures: [], snapshots: {} },
      reason: { code: 'face_mismatch', text: 'Javier’s chin differs from his DNI photo' },
      language: 'en',
    })
    await first.close()
    // The book is damaged later; the officer starts a new one, and deletes the copies it kept aside.
    appendFileSync(bookFile(), 'not a line of the book\n')
    const second = servicesFor(world.dataDir, world.service, world.simulator.url)
    expect(await second.handlers.getCaseBook(undefined)).toMatchObject({ state: 'damaged' })
    const { keptAside } = await second.handlers.recoverCaseBook({ from: 'empty' })
    await second.close()
    for (const copy of keptAside) rmSync(copy)
    await keytar.deletePassword(`${world.service}.sandbox`, 'officer')
    const app = servicesFor(world.dataDir, world.service, world.simulator.url)
    app.start()
    expect(await app.handlers.getLockState(undefined)).toMatchObject({ locked: true, unlockWith: 'set_up' })
    // The binding's gate refuses the journal while locked (the refusal's words stay in main).
    expect(app.refuse('getJournal')?.code).toBe('desk_locked')
    await app.close()
  })
})
