import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import PaymentPolicy from '#policies/payment_policy'
import QrPaymentService from '#services/finance/qr_payment_service'
import { qrPaymentView } from '#services/finance/payment_view'
import TenantContext from '#core/tenancy/tenant_context'
import { paymentIdValidator } from '#validators/finance/payment_validator'

/** The staff's 扫码支付 dialog asks here how its payment stands. */
@inject()
export default class PaymentsController {
  constructor(
    protected payments: QrPaymentService,
    protected tenant: TenantContext
  ) {}

  async show({ params, bouncer }: HttpContext) {
    await bouncer.with(PaymentPolicy).authorize('follow')
    const { id } = await paymentIdValidator.validate(params)
    return qrPaymentView(await this.payments.find(this.tenant, id))
  }
}
