import app from '@adonisjs/core/services/app'
import { type HttpContext, ExceptionHandler } from '@adonisjs/core/http'
import type { StatusPageRange, StatusPageRenderer } from '@adonisjs/core/types/http'
import { errors as bouncerErrors } from '@adonisjs/bouncer'
import i18nManager from '@adonisjs/i18n/services/main'
import { isDatabaseUnavailable } from '#exceptions/database_unavailable'

/** When a client should try again while the database is away. */
const RETRY_AFTER_SECONDS = 5

export default class HttpExceptionHandler extends ExceptionHandler {
  protected debug = !app.inProduction
  protected renderStatusPages = app.inProduction

  protected statusPages: Record<StatusPageRange, StatusPageRenderer> = {
    '404': (_error, { inertia }) => inertia.render('errors/status', { status: 404 }),
    '500..599': (_error, { inertia }) => inertia.render('errors/status', { status: 500 }),
  }

  async handle(error: unknown, ctx: HttpContext) {
    // A refused permission is a 403 with an honest page, never a silent redirect.
    if (error instanceof bouncerErrors.E_AUTHORIZATION_FAILURE) {
      ctx.response.status(403)
      if (ctx.request.accepts(['html', 'json']) === 'json' && !ctx.request.header('x-inertia')) {
        return ctx.response.send({ errors: [{ message: ctx.i18n.t('errors.forbidden') }] })
      }
      return ctx.response.send(await ctx.inertia.render('errors/status', { status: 403 }))
    }
    // The database is away (restart, failover): say so quickly, without touching the session.
    if (isDatabaseUnavailable(error)) {
      const i18n = ctx.i18n ?? i18nManager.locale(i18nManager.defaultLocale)
      ctx.response.status(503).header('Retry-After', String(RETRY_AFTER_SECONDS))
      if (ctx.request.accepts(['html', 'json']) === 'json' || ctx.request.header('x-inertia')) {
        return ctx.response.send({ errors: [{ message: i18n.t('errors.unavailable') }] })
      }
      return ctx.response.send(i18n.t('errors.unavailable'))
    }
    return super.handle(error, ctx)
  }

  async report(error: unknown, ctx: HttpContext) {
    // Expected while the database restarts: one line per request, not a stack each.
    if (isDatabaseUnavailable(error)) {
      ctx.logger.warn({ err: { message: (error as Error).message } }, 'database unavailable (503)')
      return
    }
    return super.report(error, ctx)
  }
}
