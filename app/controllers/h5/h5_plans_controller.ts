import type { HttpContext } from '@adonisjs/core/http'
import H5Plans from '#services/h5/h5_plans'
import { h5PlanPurchaseValidator } from '#validators/riders/rider_plan_validator'
import { renderH5SignedOut, signedInH5Rider } from '#controllers/h5/h5_session'

/** The H5 套餐 page: the rider's project's plans, bought from the wallet or paid on the phone. */
export default class H5PlansController {
  protected plans = new H5Plans()

  async index(ctx: HttpContext) {
    const signedIn = await signedInH5Rider(ctx)
    if (!signedIn) return renderH5SignedOut(ctx)
    const paymentNo = ctx.request.qs().payment
    return ctx.inertia.render(
      'h5/plans',
      await this.plans.page(
        signedIn.tenant,
        signedIn.rider,
        typeof paymentNo === 'string' && /^[0-9A-Za-z]{1,40}$/.test(paymentNo) ? paymentNo : null
      )
    )
  }

  async buy(ctx: HttpContext) {
    const signedIn = await signedInH5Rider(ctx)
    if (!signedIn) return renderH5SignedOut(ctx)
    const { idempotencyKey } = await ctx.request.validateUsing(h5PlanPurchaseValidator)
    await this.plans.buyFromWallet(
      signedIn.tenant,
      signedIn.rider,
      Number(ctx.params.id),
      idempotencyKey
    )
    ctx.session.flash('success', ctx.i18n.t('plans.bought'))
    return ctx.response.redirect('/h5/plans')
  }

  /** 支付购买: a mobile payment in h5 mode; the page then sends the phone to the provider. */
  async pay(ctx: HttpContext) {
    const signedIn = await signedInH5Rider(ctx)
    if (!signedIn) return renderH5SignedOut(ctx)
    const { idempotencyKey } = await ctx.request.validateUsing(h5PlanPurchaseValidator)
    const origin = `${ctx.request.protocol()}://${ctx.request.host()}`
    const payment = await this.plans.pay(
      signedIn.tenant,
      signedIn.rider,
      Number(ctx.params.id),
      idempotencyKey,
      { mode: 'h5', payerIp: ctx.request.ip(), returnUrl: `${origin}/h5/plans` }
    )
    return ctx.response.redirect().withQs({ payment: payment.paymentNo }).toPath('/h5/plans')
  }
}
