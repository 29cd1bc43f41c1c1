// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import type { FormEvent } from 'react'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Field } from '../../renderer/src/components/Field'
import { useCheckedForm } from '../../renderer/src/components/useCheckedForm'
import { applyLanguage, initI18n } from '../../renderer/src/i18n'
import { digits } from '../../shared/digits'

// A form's messages name the limits its schema applies, whatever they are: a limit changed in the
// contract changes the message with it, in both languages.
beforeAll(() => initI18n('en'))
afterEach(() => {
  cleanup()
  applyLanguage('en')
})

const schema = z.strictObject({ code: digits(2, 7), note: z.string().max(5).optional() })

function CodeForm() {
  const { bind, check } = useCheckedForm({ code: '', note: '' }, schema)
  const submit = (event: FormEvent) => {
    event.preventDefault()
    check()
  }
  return (
    <form onSubmit={submit} noValidate>
      <Field label="Code" {...bind('code')} />
      <Field label="Note" {...bind('note')} />
      <button type="submit">Check</button>
    </form>
  )
}
const errorOf = (label: string) =>
  document.getElementById(`${screen.getByLabelText(label).id}-error`)?.textContent

describe('a checked form’s messages', () => {
  it('say the bounds the schema was given, in English and in Spanish', async () => {
    render(<CodeForm />)
    await userEvent.type(screen.getByLabelText('Code'), '12345678')
    await userEvent.type(screen.getByLabelText('Note'), 'abcdef')
    await userEvent.click(screen.getByRole('button', { name: 'Check' }))
    expect(errorOf('Code')).toBe('Digits only, 2 to 7 of them.')
    expect(errorOf('Note')).toBe('At most 5 characters.')
    await act(async () => applyLanguage('es'))
    expect(errorOf('Code')).toBe('Solo cifras, de 2 a 7.')
    expect(errorOf('Note')).toBe('Como mucho 5 caracteres.')
  })
})
