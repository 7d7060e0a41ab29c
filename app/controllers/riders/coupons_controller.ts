import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import CouponPolicy from '#policies/coupon_policy'
import CouponBatchService from '#services/riders/coupon_batch_service'
import type { CouponBatchesPageProps } from '#services/riders/coupon_rows'
import {
  couponBatchListValidator,
  couponBatchStatusValidator,
  couponBatchValidator,
  couponIssueValidator,
} from '#validators/riders/coupon_validator'

/** 用户 → 优惠券: coupon batches, created, stopped or resumed, and issued to riders by phone. */
@inject()
export default class CouponsController {
  constructor(protected batches: CouponBatchService) {}

  async index({ request, inertia, bouncer }: HttpContext) {
    await bouncer.with(CouponPolicy).authorize('manage')
    const filters = await request.validateUsing(couponBatchListValidator)
    const { rows, pagination } = await this.batches.list(filters)
    return inertia.render('riders/coupons', {
      batches: rows,
      pagination,
      filters: { projectId: filters.projectId ?? null, status: filters.status ?? null },
      projectOptions: await this.batches.projectOptions(),
    } satisfies CouponBatchesPageProps)
  }

  async store({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(CouponPolicy).authorize('manage')
    const input = await request.validateUsing(couponBatchValidator)
    await this.batches.create(input)
    session.flash('success', i18n.t('coupons.created'))
    return response.redirect().withQs().back()
  }

  async status({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(CouponPolicy).authorize('manage')
    const { status } = await request.validateUsing(couponBatchStatusValidator)
    await this.batches.setStatus(Number(params.id), status)
    session.flash('success', i18n.t(status === 'active' ? 'coupons.resumed' : 'coupons.stopped'))
    return response.redirect().withQs().back()
  }

  async issue({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(CouponPolicy).authorize('manage')
    const { phones } = await request.validateUsing(couponIssueValidator)
    const count = await this.batches.issue(Number(params.id), phones)
    session.flash('success', i18n.t('coupons.issued', { count }))
    return response.redirect().withQs().back()
  }
}
