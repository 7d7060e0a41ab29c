import vine from '@vinejs/vine'
import { SUPPORTED_LOCALES } from '#config/i18n'

export const localeValidator = vine.create({
  locale: vine.enum(SUPPORTED_LOCALES),
})
