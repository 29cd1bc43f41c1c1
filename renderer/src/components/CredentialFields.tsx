import type { ComponentProps } from 'react'
import { useTranslation } from 'react-i18next'
import type { credentialMaxLength } from '../../../shared/credentials'
import { Field } from './Field'
import type { BoundField } from './useCheckedForm'

type Credential = keyof typeof credentialMaxLength

/** How each credential is typed: secrets hidden, numbers on a numeric keypad, names never spell-checked. */
const INPUT = {
  username: { spellCheck: false },
  password: { type: 'password' },
  pin: { type: 'password', inputMode: 'numeric' },
  rao: { inputMode: 'numeric' },
  billingUsername: { spellCheck: false },
  billingPassword: { type: 'password' },
} as const satisfies Record<Credential, Partial<ComponentProps<typeof Field>>>

const LABEL = {
  username: 'credentials.username',
  password: 'credentials.password',
  pin: 'credentials.pin',
  rao: 'credentials.rao',
  billingUsername: 'credentials.billingUsername',
  billingPassword: 'credentials.billingPassword',
} as const satisfies Record<Credential, string>

type CredentialFieldProps = { name: Credential; label?: string } & Omit<
  ComponentProps<typeof Field>,
  'label' | 'name' | 'maxLength' | 'type' | 'inputMode'
>

/**
 * One credential's field, typed as it is; labelled with the credential's name unless the form says
 * otherwise ("New PIN"). No `maxlength`: a field that stops at the limit cuts a pasted secret without a
 * word, and the cut one would be saved; the whole value goes to the contract's schema, whose refusal of
 * one too long is shown by the field, and whose trim of spaces around a PIN counts nothing against it.
 */
export function CredentialField({ name, label, ...field }: CredentialFieldProps) {
  const { t } = useTranslation()
  return <Field label={label ?? t(LABEL[name])} {...INPUT[name]} {...field} />
}

/** The RAO username, password, PIN and RAO id a set-up asks for, the username fixed where it is known. */
export function CredentialFields({
  bind,
  usernameFixed = false,
}: {
  bind: (field: 'username' | 'password' | 'pin' | 'rao') => BoundField
  usernameFixed?: boolean
}) {
  const { t } = useTranslation()
  return (
    <>
      <CredentialField name="username" {...bind('username')} readOnly={usernameFixed} />
      <CredentialField name="password" {...bind('password')} />
      <CredentialField name="pin" {...bind('pin')} />
      <CredentialField name="rao" {...bind('rao')} hint={t('credentials.raoHint')} />
    </>
  )
}
