import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

/**
 * Marks every cookie of a response Secure when the request came over HTTPS
 * (directly, or by X-Forwarded-Proto from a trusted proxy, see config/app.ts),
 * so the session, remember-me and XSRF cookies never travel back over plain
 * HTTP. Production marks them Secure always (config/app.ts, config/session.ts).
 */
export default class SecureCookiesMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    if (ctx.request.secure()) {
      const response = ctx.response
      for (const method of ['cookie', 'encryptedCookie', 'plainCookie'] as const) {
        const set = response[method].bind(response) as (...args: any[]) => typeof response
        response[method] = ((key: string, value: any, options?: object) =>
          set(key, value, { ...options, secure: true })) as any
      }
    }
    return next()
  }
}
