import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import RiderPolicy from '#policies/rider_policy'
import WalletPolicy from '#policies/wallet_policy'
import TenantContext from '#core/tenancy/tenant_context'
import CounterPlans from '#services/riders/counter_plans'
import {
  counterPlanPurchaseValidator,
  planRefundValidator,
} from '#validators/riders/rider_plan_validator'
import type { RiderPlansPageProps } from '#services/settings/plan_props'

/** 用户管理 → 套餐: a rider's plans, 购买套餐 at the counter and 退套餐. */
@inject()
export default class RiderPlansController {
  constructor(
    protected counter: CounterPlans,
    protected tenant: TenantContext
  ) {}

  async index({ params, inertia, bouncer }: HttpContext) {
    await bouncer.with(RiderPolicy).authorize('view')
    return inertia.render(
      'riders/plans',
      (await this.counter.page(Number(params.id))) satisfies RiderPlansPageProps
    )
  }

  async store({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(WalletPolicy).authorize('topUp')
    const input = await request.validateUsing(counterPlanPurchaseValidator)
    await this.counter.buy(Number(params.id), input)
    session.flash('success', i18n.t('plans.bought'))
    return response.redirect().back()
  }

  async refund({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(WalletPolicy).authorize('refund')
    const { reason } = await request.validateUsing(planRefundValidator)
    await this.counter.refund(Number(params.id), reason)
    session.flash('success', i18n.t('plans.refunded'))
    return response.redirect().back()
  }
}
