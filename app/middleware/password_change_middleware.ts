import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

const ALLOWED = new Set(['/password', '/logout'])

/**
 * A staff member with a password set by someone else (a new account or a
 * reset) must choose their own before anything else.
 */
export default class PasswordChangeMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    if (ctx.auth.user?.mustChangePassword && !ALLOWED.has(ctx.request.url())) {
      return ctx.response.redirect('/password')
    }
    return next()
  }
}
