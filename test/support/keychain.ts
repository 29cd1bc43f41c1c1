import keytar from '@github/keytar'

/** Every keychain entry the app makes under a service prefix: the officer's, the book's, the journal's, the media's, the lock's, the team's. */
const ENTRIES: readonly [suffix: string, account: string][] = [
  ...['sandbox', 'prod'].flatMap((environment): [string, string][] => [
    [`.${environment}`, 'officer'],
    [`.${environment}`, 'rao-desk-probe'],
    [`.${environment}`, 'revoke-later'],
  ]),
  ['.case-book', 'case-book-key'],
  ['.journal', 'journal-key'],
  ['.journal', 'journal-head'],
  ['.media', 'media-key'],
  ['.lock', 'desk-lock'],
  ['.team', 'officer'],
]

/** Removes whatever a test (or the harness) left in the real keychain; where there is none, nothing was stored. */
export async function cleanKeychain(keychainService: string): Promise<void> {
  for (const [suffix, account] of ENTRIES)
    await keytar.deletePassword(`${keychainService}${suffix}`, account).catch(() => false)
}
