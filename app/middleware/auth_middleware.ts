import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import type { Authenticators } from '@adonisjs/auth/types'
import StaffSessions from '#services/auth/staff_sessions'

/**
 * Auth middleware is used authenticate HTTP requests and deny
 * access to unauthenticated users.
 */
export default class AuthMiddleware {
  /**
   * The URL to redirect to, when authentication fails
   */
  redirectTo = '/login'

  async handle(
    ctx: HttpContext,
    next: NextFn,
    options: {
      guards?: (keyof Authenticators)[]
    } = {}
  ) {
    await ctx.auth.authenticateUsing(options.guards, { loginRoute: this.redirectTo })
    // Tags a session restored from a remember-me cookie (a new id), so that ending a
    // staff member's sessions finds it; refuses one ended while a request was in flight.
    if (!(await new StaffSessions().stands(ctx, ctx.auth.getUserOrFail().id))) {
      await ctx.auth.use('web').logout()
      ctx.session.flash('error', ctx.i18n.t('auth.signedOut'))
      return ctx.response.redirect(this.redirectTo)
    }
    return next()
  }
}
