import { Exception } from '@adonisjs/core/exceptions'
import type { HttpContext } from '@adonisjs/core/http'

export type PlatformRefusalReason = 'tenantCodeTaken' | 'accountTaken' | 'tenantNotFound'

/** A platform console action refused; nothing was written. `reason` is a key of platform.json. */
export class PlatformRefusal extends Exception {
  constructor(public reason: PlatformRefusalReason) {
    super(reason, { status: reason === 'tenantNotFound' ? 404 : 422 })
  }

  async handle(error: this, ctx: HttpContext) {
    ctx.session.flash('error', ctx.i18n.t(`platform.${error.reason}`))
    return ctx.response.redirect().back()
  }
}
