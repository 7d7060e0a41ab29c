import { I18n } from '@adonisjs/i18n'
import i18nManager from '@adonisjs/i18n/services/main'
import type { NextFn } from '@adonisjs/core/types/http'
import { type HttpContext, RequestValidator } from '@adonisjs/core/http'

export const LOCALE_COOKIE = 'pilehub-locale'

/**
 * The admin speaks zh-CN unless the staff member switched to another
 * supported locale (kept in a cookie); the browser's language is not asked.
 */
export default class DetectUserLocaleMiddleware {
  static {
    RequestValidator.messagesProvider = (ctx) => ctx.i18n.createMessagesProvider()
  }

  async handle(ctx: HttpContext, next: NextFn) {
    const chosen = ctx.request.plainCookie(LOCALE_COOKIE, { encoded: false })
    const locale = chosen ? i18nManager.getSupportedLocaleFor(chosen) : null
    ctx.i18n = i18nManager.locale(locale ?? i18nManager.defaultLocale)
    ctx.containerResolver.bindValue(I18n, ctx.i18n)
    if ('view' in ctx) {
      ctx.view.share({ i18n: ctx.i18n })
    }
    return next()
  }
}

declare module '@adonisjs/core/http' {
  export interface HttpContext {
    i18n: I18n
  }
}
