import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

/** Platform console pages: a signed-in, active platform admin or the console's login page. */
export default class PlatformAuthMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    await ctx.platformAuth.authenticateUsing(['platform'], { loginRoute: '/platform/login' })
    return next()
  }
}
