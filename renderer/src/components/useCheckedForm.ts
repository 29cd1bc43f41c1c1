import { useCallback, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { z } from 'zod'

import { en } from '../i18n/en'

/** Schema messages that name their own text under `validation.`; any other failure is "required" or "not valid". */
const isKnown = (message: string) => Object.hasOwn(en.validation, message)

/** A field's error: a key under `validation.`, with the values its text names ("At most {{max}} characters."). */
export interface FieldError {
  key: string
  values: Record<string, unknown>
}

/** The values a schema's refusal carries for its message: a length's limit, a custom check's own params. */
function valuesOf(issue: z.core.$ZodIssue): Record<string, unknown> {
  if (issue.code === 'too_big') return { max: issue.maximum }
  if (issue.code === 'custom') return issue.params ?? {}
  return {}
}

/**
 * Field errors from the contract's own schema (the same one main applies), as keys under `validation.`
 * with the values their texts name: the renderer checks what main will check, without a second set of rules.
 */
export function fieldErrors(schema: z.ZodType, value: Record<string, unknown>): Record<string, FieldError> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return {}
  const errors: Record<string, FieldError> = {}
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? 'form')
    if (errors[field]) continue
    const missing = issue.code === 'too_small' || (field !== 'form' && value[field] === undefined)
    const key = isKnown(issue.message)
      ? issue.message
      : issue.code === 'too_big'
        ? 'too_long_max'
        : missing
          ? 'required'
          : 'invalid'
    errors[field] = { key, values: valuesOf(issue) }
  }
  return errors
}

/** A form of text fields checked against a contract schema; blank fields count as not given. */
export function useCheckedForm<F extends Record<string, string>>(initial: F, schema: z.ZodType) {
  const { t } = useTranslation()
  const [form, setForm] = useState(initial)
  const [errors, setErrors] = useState<Record<string, FieldError>>({})
  const error = (field: keyof F | 'form') => {
    const found = errors[field as string]
    // A limit is named: "At most 64 characters.", "Digits only, 4 to 16 of them.", not "Not valid."
    return found && t(`validation.${found.key}` as 'validation.invalid', found.values)
  }
  return {
    error,
    /** The fields as they are now. */
    values: form,
    /** Puts the fields to `values`, their errors gone: the form seeded again. */
    reset: useCallback((values: F) => {
      setForm(values)
      setErrors({})
    }, []),
    /** What a `<Field>` needs for one of the form's fields. */
    bind: (field: keyof F) => ({
      value: form[field],
      onChange: (event: { target: { value: string } }) =>
        setForm((current) => ({ ...current, [field]: event.target.value })),
      error: error(field),
      autoComplete: 'off',
    }),
    /**
     * The values given, if they pass; otherwise null: the errors are shown, and the focus moves to the
     * first field in error of `formElement`.
     */
    check(formElement?: HTMLFormElement): Partial<F> | null {
      const given = Object.fromEntries(
        Object.entries(form).filter(([, value]) => value.trim() !== ''),
      ) as Partial<F>
      const found = fieldErrors(schema, given)
      setErrors(found)
      if (Object.keys(found).length && formElement)
        requestAnimationFrame(() => formElement.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus())
      return Object.keys(found).length ? null : given
    },
    /** Fills fields the officer has left blank (defaults that arrive after the form is shown). */
    fill: useCallback(
      (values: Partial<F>) =>
        setForm((current) => {
          const blanks = Object.entries(values).filter(([field]) => !current[field]?.trim())
          return { ...current, ...Object.fromEntries(blanks) }
        }),
      [],
    ),
    /** Empties fields: secrets leave the page's state as soon as they are submitted. */
    clear: (fields: readonly (keyof F)[]) =>
      setForm((current) => ({ ...current, ...Object.fromEntries(fields.map((field) => [field, ''])) })),
  }
}

/** What a `<Field>` needs for one of a checked form's fields. */
export type BoundField = ReturnType<ReturnType<typeof useCheckedForm<Record<string, string>>>['bind']>
