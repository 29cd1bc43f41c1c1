import i18next from 'i18next'
import { initReactI18next } from 'react-i18next'
import type { LanguagePreference } from '../../../shared/settings'
import { en } from './en'
import { es } from './es'

export const supportedLanguages = ['es', 'en'] as const
export type Language = (typeof supportedLanguages)[number]

/** The officer's choice, or the first of the system's languages the app speaks (English otherwise). */
export function resolveLanguage(
  preference: LanguagePreference,
  systemLanguages: readonly string[],
): Language {
  if (preference !== 'system') return preference
  for (const tag of systemLanguages) {
    const base = tag.toLowerCase().split('-')[0]
    const match = supportedLanguages.find((language) => language === base)
    if (match) return match
  }
  return 'en'
}

export function applyLanguage(language: Language): void {
  document.documentElement.lang = language
  void i18next.changeLanguage(language)
}

export function initI18n(language: Language) {
  document.documentElement.lang = language
  return i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, es: { translation: es } },
    lng: language,
    fallbackLng: 'en',
    interpolation: { escapeValue: false },
    returnNull: false,
    showSupportNotice: false,
  })
}

declare module 'i18next' {
  interface CustomTypeOptions {
    resources: { translation: typeof en }
  }
}
