import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import WalletPolicy from '#policies/wallet_policy'
import RiderRefundService from '#services/finance/rider_refund_service'
import { formatYuan } from '#sdk/money'
import TenantContext from '#core/tenancy/tenant_context'
import { riderRefundValidator } from '#validators/riders/wallet_validator'

/** 用户管理 → 退款: real money back to a rider, through its QR payments or in cash. */
@inject()
export default class RiderRefundsController {
  constructor(
    protected tenant: TenantContext,
    protected refunds: RiderRefundService
  ) {}

  async store({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(WalletPolicy).authorize('refund')
    const input = await request.validateUsing(riderRefundValidator, {
      messagesProvider: i18n.createMessagesProvider('wallet.validation'),
    })
    const result = await this.refunds.refund(this.tenant, {
      ...input,
      riderId: Number(params.id),
    })
    const amount = formatYuan(input.amount)
    session.flash(
      'success',
      result.duplicate
        ? i18n.t('riders.refundAlreadyPosted')
        : i18n.t(
            input.channel === 'original' ? 'riders.refundedByChannel' : 'riders.refundedInCash',
            {
              amount,
            }
          )
    )
    return response.redirect().back()
  }
}
