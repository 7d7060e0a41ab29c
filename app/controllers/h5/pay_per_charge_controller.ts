import type { HttpContext } from '@adonisjs/core/http'
import { urlFor } from '@adonisjs/core/services/url_builder'
import { formatYuan } from '#sdk/money'
import { mobilePaymentOf } from '#services/finance/qr_payment_service'
import PortPage from '#services/h5/port_page'
import PayPerCharge from '#services/orders/pay_per_charge'
import type { H5PayPerChargeResultPageProps } from '#services/orders/pay_per_charge_types'
import {
  payPerChargeKeyValidator,
  payPerChargeValidator,
} from '#validators/h5/pay_per_charge_validator'
import {
  readH5Rider,
  renderH5SignedOut,
  renderH5Unknown,
  signedInH5Rider,
} from '#controllers/h5/h5_session'

/**
 * 扫码即充 at the rider H5: pay for one charge at the provider's page
 * (mobile web pay), then its result page (支付成功, 启动中, the order).
 */
export default class PayPerChargeController {
  protected ports = new PortPage()
  protected payPerCharge = new PayPerCharge()

  async pay(ctx: HttpContext) {
    const place = await this.ports.findPlace(String(ctx.params.pileCode), Number(ctx.params.portNo))
    if (!place) return renderH5Unknown(ctx)
    const signedIn = await signedInH5Rider(ctx)
    if (!signedIn || signedIn.rider.tenantId !== place.tenantId) return renderH5SignedOut(ctx)
    const input = await ctx.request.validateUsing(payPerChargeValidator)
    const resultUrl = urlFor('h5.payPerCharge.result', { key: input.idempotencyKey })
    const payment = await this.payPerCharge.open(signedIn.tenant, {
      riderId: signedIn.rider.riderId,
      pileId: place.pileId,
      portNo: place.portNo,
      choice:
        input.kind === 'hours'
          ? { kind: 'hours', hours: input.hours! }
          : { kind: 'full', fen: input.amount! },
      restTo: input.restTo ?? 'original',
      idempotencyKey: input.idempotencyKey,
      description: (fen) => ctx.i18n.t('pay_per_charge.description', { amount: formatYuan(fen) }),
      payment: {
        mode: 'h5',
        payerIp: ctx.request.ip(),
        returnUrl: `${ctx.request.protocol()}://${ctx.request.host()}${resultUrl}`,
      },
    })
    const opened = mobilePaymentOf(payment)
    if (payment.status === 'pending' && opened?.mode === 'h5' && 'redirectUrl' in opened) {
      // The provider's page is outside the app: Inertia leaves by a full visit.
      const url = String(opened.redirectUrl)
      return ctx.request.header('x-inertia')
        ? ctx.inertia.location(url)
        : ctx.response.redirect(url)
    }
    return ctx.response.redirect(resultUrl)
  }

  /** Where the provider's page sends the rider back: the page polls it until the charge starts. */
  async result(ctx: HttpContext) {
    const rider = readH5Rider(ctx)
    if (!rider) return renderH5SignedOut(ctx)
    const [invalid, input] = await payPerChargeKeyValidator.tryValidate({ params: ctx.params })
    if (invalid) return renderH5Unknown(ctx)
    const result = await this.payPerCharge.result(rider, input.params.key)
    if (!result) return renderH5Unknown(ctx)
    return ctx.inertia.render('h5/pay_per_charge', {
      result,
    } satisfies H5PayPerChargeResultPageProps)
  }
}
