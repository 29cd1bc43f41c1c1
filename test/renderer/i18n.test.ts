import { describe, expect, it } from 'vitest'
import { resolveLanguage } from '../../renderer/src/i18n'
import { en } from '../../renderer/src/i18n/en'
import { es } from '../../renderer/src/i18n/es'
import { errorCodes } from '../../shared/errors'

type Tree = { [key: string]: string | Tree }
const leaves = (tree: Tree, prefix = ''): [string, string][] =>
  Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string'
      ? [[`${prefix}${key}`, value] as [string, string]]
      : leaves(value, `${prefix}${key}.`),
  )

describe('translations', () => {
  it('Spanish and English have the same keys, none empty', () => {
    const english = leaves(en)
    const spanish = leaves(es)
    expect(spanish.map(([key]) => key)).toEqual(english.map(([key]) => key))
    expect([...english, ...spanish].filter(([, text]) => !text.trim())).toEqual([])
  })

  it('every error code has words in both languages', () => {
    for (const code of errorCodes) {
      expect(en.errors[code]).toBeTruthy()
      expect(es.errors[code]).toBeTruthy()
    }
  })

  it('follows the system language unless the officer chose one', () => {
    expect(resolveLanguage('system', ['es-ES', 'en-US'])).toBe('es')
    expect(resolveLanguage('system', ['ca-ES', 'es-419'])).toBe('es')
    expect(resolveLanguage('system', ['de-DE', 'en-GB'])).toBe('en')
    expect(resolveLanguage('system', ['fr-FR'])).toBe('en')
    expect(resolveLanguage('en', ['es-ES'])).toBe('en')
    expect(resolveLanguage('es', ['en-US'])).toBe('es')
  })
})
