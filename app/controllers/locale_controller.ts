import type { HttpContext } from '@adonisjs/core/http'
import { localeValidator } from '#validators/locale_validator'
import { LOCALE_COOKIE } from '#middleware/detect_user_locale_middleware'

export default class LocaleController {
  async update({ request, response }: HttpContext) {
    const { locale } = await request.validateUsing(localeValidator)
    response.plainCookie(LOCALE_COOKIE, locale, { encode: false, maxAge: '1 year' })
    return response.redirect().back()
  }
}
