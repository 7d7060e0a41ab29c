import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import RefundRequestPolicy from '#policies/refund_request_policy'
import RefundRequestService from '#services/finance/refund_request_service'
import {
  approveRefundRequestValidator,
  refundRequestListValidator,
  rejectRefundRequestValidator,
} from '#validators/h5_validator'
import type { RefundRequestsPageProps } from '#services/finance/finance_props'

/** 财务 → 退款申请: riders' refund requests from the H5, approved or rejected by staff. */
@inject()
export default class RefundRequestsController {
  constructor(protected requests: RefundRequestService) {}

  async index({ request, inertia, bouncer }: HttpContext) {
    await bouncer.with(RefundRequestPolicy).authorize('view')
    const filters = await refundRequestListValidator.validate(request.qs())
    const status = filters.status ?? 'pending'
    return inertia.render('finance/refund_requests', {
      refundRequests: await this.requests.list(status),
      status,
    } satisfies RefundRequestsPageProps)
  }

  async approve({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(RefundRequestPolicy).authorize('decide')
    const { channel, note } = await request.validateUsing(approveRefundRequestValidator)
    await this.requests.approve(Number(params.id), channel, note ?? null)
    session.flash('success', i18n.t('h5.requestApproved'))
    return response.redirect().back()
  }

  async reject({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(RefundRequestPolicy).authorize('decide')
    const { note } = await request.validateUsing(rejectRefundRequestValidator)
    await this.requests.reject(Number(params.id), note)
    session.flash('success', i18n.t('h5.requestRejected'))
    return response.redirect().back()
  }
}
