import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

/**
 * GET /healthz, the liveness probe, answered before the router's middleware:
 * sessions live in the database, so as a route it failed with the database
 * and a restart of PostgreSQL would have had every web process killed by
 * its orchestrator. Readiness (/readyz) is the probe that follows the database.
 */
export default class LivenessMiddleware {
  handle(ctx: HttpContext, next: NextFn) {
    if (ctx.request.method() === 'GET' && ctx.request.url() === '/healthz') {
      return ctx.response.json({ ok: true })
    }
    return next()
  }
}
