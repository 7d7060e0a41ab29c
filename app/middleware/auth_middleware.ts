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
    // A session restored from a remember-me cookie (a new id) joins its staff member's
    // sessions, so that ending them when trust ends finds it.
    await new StaffSessions().ensureTagged(ctx, ctx.auth.getUserOrFail().id)
    return next()
  }
}
