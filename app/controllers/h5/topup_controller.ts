import type { HttpContext } from '@adonisjs/core/http'
import { urlFor } from '@adonisjs/core/services/url_builder'
import { publicUrl } from '#config/app'
import RiderTopup from '#services/h5/rider_topup'
import TopupResults from '#services/h5/topup_results'
import type {
  H5TopupPageProps,
  H5TopupResultPageProps,
  H5TopupState,
} from '#services/h5/topup_props'
import {
  h5TopupAttemptValidator,
  h5TopupNumberValidator,
  h5TopupValidator,
} from '#validators/h5/topup_validator'
import {
  readH5Payer,
  readH5Rider,
  renderH5SignedOut,
  renderH5Unknown,
  signedInH5Rider,
} from '#controllers/h5/h5_session'

/** Set by 去支付 for the result page: call the in-app bridge once on arrival. */
const INVOKE_FLASH = 'h5TopupInvoke'

/**
 * 充值 on the rider H5: the page, 去支付 (opens the payment and sends the
 * phone where it pays), and the result page with the small state it polls.
 * Every lookup is by the session's rider; another rider's number is unknown.
 */
export default class TopupController {
  protected topups = new RiderTopup()
  protected results = new TopupResults()

  async show(ctx: HttpContext) {
    const rider = readH5Rider(ctx)
    if (!rider) return renderH5SignedOut(ctx)
    return ctx.inertia.render(
      'h5/topup',
      (await this.topups.page(rider, readH5Payer(ctx))) satisfies H5TopupPageProps
    )
  }

  async store(ctx: HttpContext) {
    const signedIn = await signedInH5Rider(ctx)
    if (!signedIn) return renderH5SignedOut(ctx)
    const input = await ctx.request.validateUsing(h5TopupValidator)
    const { paymentNo, payment } = await this.topups.open(
      signedIn.tenant,
      signedIn.rider,
      readH5Payer(ctx),
      input,
      {
        payerIp: ctx.request.ip(),
        returnUrl: `${publicUrl}${urlFor('h5.topup.return', { attempt: input.attempt })}`,
      }
    )
    if (payment?.mode === 'h5') return this.#leave(ctx, payment.redirectUrl)
    if (payment?.mode === 'jsapi' && payment.bridge === 'sandbox') {
      return this.#leave(ctx, payment.payUrl)
    }
    ctx.session.flash(INVOKE_FLASH, true)
    return ctx.response.redirect(urlFor('h5.topup.result', { paymentNo }))
  }

  /** 充值结果. */
  async result(ctx: HttpContext) {
    const rider = readH5Rider(ctx)
    if (!rider) return renderH5SignedOut(ctx)
    const [invalid, valid] = await h5TopupNumberValidator.tryValidate(ctx.params)
    const invoke = ctx.session.flashMessages.get(INVOKE_FLASH) === true
    const page = invalid ? null : await this.results.page(rider, valid.paymentNo, invoke)
    if (!page) return renderH5Unknown(ctx)
    return ctx.inertia.render('h5/topup_result', page satisfies H5TopupResultPageProps)
  }

  /** What the result page polls. */
  async state(ctx: HttpContext) {
    const rider = readH5Rider(ctx)
    if (!rider) return ctx.response.unauthorized({ errors: [{ code: 'signedOut' }] })
    const [invalid, valid] = await h5TopupNumberValidator.tryValidate(ctx.params)
    const state = invalid ? null : await this.results.state(rider, valid.paymentNo)
    if (!state) return ctx.response.notFound({ errors: [{ code: 'notFound' }] })
    return state satisfies H5TopupState
  }

  /** Where the provider's page sends the rider back after an h5 payment. */
  async returned(ctx: HttpContext) {
    const rider = readH5Rider(ctx)
    if (!rider) return renderH5SignedOut(ctx)
    const [invalid, valid] = await h5TopupAttemptValidator.tryValidate(ctx.params)
    const paymentNo = invalid ? null : await this.results.paymentNoOf(rider, valid.attempt)
    if (!paymentNo) return renderH5Unknown(ctx)
    return ctx.response.redirect(urlFor('h5.topup.result', { paymentNo }))
  }

  /** Off to the provider: a full page load for Inertia, a plain redirect otherwise. */
  #leave(ctx: HttpContext, url: string) {
    if (ctx.request.header('x-inertia')) return ctx.inertia.location(url)
    return ctx.response.redirect(url)
  }
}
