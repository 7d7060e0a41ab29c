import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import WalletPolicy from '#policies/wallet_policy'
import CounterTopupService from '#services/riders/counter_topup_service'
import { counterTopupValidator, topupLookupValidator } from '#validators/riders/topup_validator'
import { paymentQueryValidator } from '#validators/finance/payment_validator'
import QrPaymentService from '#services/finance/qr_payment_service'
import { qrPaymentView } from '#services/finance/payment_view'
import TenantContext from '#core/tenancy/tenant_context'
import type { TopupPageProps } from '#services/riders/riders_props'

/** 用户 → 充值: look a rider up by phone and take cash at the counter or a QR payment. */
@inject()
export default class TopupController {
  constructor(
    protected desk: CounterTopupService,
    protected payments: QrPaymentService,
    protected tenant: TenantContext
  ) {}

  async show({ request, inertia, bouncer }: HttpContext) {
    await bouncer.with(WalletPolicy).authorize('topUp')
    const filters = await request.validateUsing(topupLookupValidator)
    const desk = await this.desk.desk(filters)
    const { payment } = await paymentQueryValidator.validate(request.qs())
    return inertia.render('riders/topup', {
      ...desk,
      phone: filters.phone ?? null,
      payment: payment ? await qrPaymentView(await this.payments.find(this.tenant, payment)) : null,
    } satisfies TopupPageProps)
  }

  /** 立即充值: opens the QR payment and shows its dialog on the same page. */
  async payByQr({ request, response, bouncer, i18n }: HttpContext) {
    await bouncer.with(WalletPolicy).authorize('topUp')
    const input = await request.validateUsing(counterTopupValidator, {
      messagesProvider: i18n.createMessagesProvider('topup.validation'),
    })
    const { paymentId, phone } = await this.desk.payByQr(input)
    return response
      .redirect()
      .withQs({ phone, projectId: input.projectId, payment: paymentId })
      .toPath('/riders/topup')
  }

  async store({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(WalletPolicy).authorize('topUp')
    const input = await request.validateUsing(counterTopupValidator, {
      messagesProvider: i18n.createMessagesProvider('topup.validation'),
    })
    const { duplicate, phone } = await this.desk.topUp(input)
    session.flash('success', i18n.t(duplicate ? 'topup.alreadyPosted' : 'topup.posted'))
    // Back to the same rider, whose balances now show the top-up.
    return response.redirect().withQs({ phone, projectId: input.projectId }).toPath('/riders/topup')
  }
}
