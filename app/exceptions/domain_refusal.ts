import { Exception } from '@adonisjs/core/exceptions'
import type { HttpContext } from '@adonisjs/core/http'

/**
 * A business rule said no. The page gets the reason, translated, as its
 * error message (or JSON with status 422 for API clients); nothing changed.
 */
export default class DomainRefusal<Reason extends string = string> extends Exception {
  static status = 422

  constructor(
    protected namespace: string,
    public reason: Reason
  ) {
    super(`${namespace}.${reason}`, { code: 'E_DOMAIN_REFUSAL' })
  }

  async handle(error: this, ctx: HttpContext) {
    const message = ctx.i18n.t(`${error.namespace}.${error.reason}`)
    if (ctx.request.accepts(['html', 'json']) === 'json' && !ctx.request.header('x-inertia')) {
      return ctx.response.status(422).send({ errors: [{ message, code: error.reason }] })
    }
    ctx.session.flash('error', message)
    // Back to the page the form was on, its query string (the looked-up rider...) included.
    return ctx.response.redirect().withQs().back()
  }
}
