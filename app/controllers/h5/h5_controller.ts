import type { HttpContext } from '@adonisjs/core/http'
import { requestDetails } from '#core/audit/audit_service'
import type { ChargeDuration } from '#models/charging_order'
import PortPage from '#services/h5/port_page'
import { payPerChargeOptions } from '#services/orders/pay_per_charge'
import RiderBalance from '#services/h5/rider_balance'
import RiderOrders from '#services/h5/rider_orders'
import RiderRepairs from '#services/h5/rider_repairs'
import RiderSignIn from '#services/h5/rider_sign_in'
import { inAppSignInUrl, oauthState } from '#services/h5/oauth/in_app'
import {
  h5CodeValidator,
  h5LoginValidator,
  h5RefundValidator,
  h5StartValidator,
} from '#validators/h5_validator'
import type {
  H5LoginState,
  H5Place,
  H5OrderPageProps,
  H5OrdersPageProps,
  H5PortPageProps,
  H5RefundPageProps,
} from '#services/h5/h5_types'
import type { H5RepairFormPageProps, H5RepairsPageProps } from '#services/h5/repair_props'
import { REPAIR_CATEGORIES } from '#models/repair_ticket'
import { repairReportValidator } from '#validators/operations/repair_validator'
import {
  readH5Payer,
  readH5Rider,
  renderH5SignedOut,
  renderH5Unknown,
  signedInH5Rider,
  signInH5Rider,
  signOutH5Rider,
} from '#controllers/h5/h5_session'

/**
 * The rider H5 (/h5): no staff login. A rider signs in by SMS code at a
 * port's QR page; the session then holds that tenant and rider only
 * (CSRF stays on like everywhere). Riders act on their own orders and
 * wallet only, which the service checks on every call, so no Bouncer
 * policy (those speak for staff) is involved.
 */
export default class H5Controller {
  protected ports = new PortPage()
  protected signIn = new RiderSignIn()
  protected orderPages = new RiderOrders()
  protected balance = new RiderBalance()
  protected repairs = new RiderRepairs()

  /** 扫码: the port, its tariff, and for a signed-in rider of this tenant, their balances. */
  async port(ctx: HttpContext) {
    const place = await this.#place(ctx)
    if (!place) return renderH5Unknown(ctx)
    const rider = readH5Rider(ctx)
    const signedIn = rider?.tenantId === place.tenantId ? rider : null
    // Inside WeChat or Alipay a signed-out rider signs in through the app (issue 17).
    const inApp = signedIn ? null : await inAppSignInUrl(ctx, place, ctx.params.pileCode)
    if (inApp) return ctx.response.redirect(inApp)
    const login = ctx.session.flashMessages.get('h5Login') as H5LoginState | undefined
    const port = await this.ports.port(place, ctx.params.pileCode)
    return ctx.inertia.render('h5/port', {
      port,
      me: signedIn ? await this.balance.me(signedIn) : null,
      openOrderNo: signedIn ? await this.ports.openOrderOn(signedIn, place) : null,
      login: login ?? null,
      captchaRequired: signedIn ? false : await this.signIn.captchaRequired(ctx.request.ip()),
      oauth: signedIn ? await oauthState(signedIn, readH5Payer(ctx)) : null,
      payPerCharge: signedIn ? payPerChargeOptions(port.tariff) : null,
    } satisfies H5PortPageProps)
  }

  async sendCode(ctx: HttpContext) {
    const place = await this.#place(ctx)
    if (!place) return renderH5Unknown(ctx)
    const { phone, captcha } = await ctx.request.validateUsing(h5CodeValidator)
    const { devCode } = await this.signIn.sendCode(place, phone, {
      ip: ctx.request.ip(),
      session: ctx.session,
      captcha,
    })
    ctx.session.flash('h5Login', { phone, devCode, needsName: false } satisfies H5LoginState)
    ctx.session.flash('success', ctx.i18n.t('h5.codeSent'))
    return ctx.response.redirect().back()
  }

  async login(ctx: HttpContext) {
    const place = await this.#place(ctx)
    if (!place) return renderH5Unknown(ctx)
    const input = await ctx.request.validateUsing(h5LoginValidator)
    const rider = await this.signIn.logIn(place, input, requestDetails(ctx), ctx.request.ip())
    if (rider === 'nameRequired') {
      const state: H5LoginState = { phone: input.phone, devCode: null, needsName: true }
      ctx.session.flash('h5Login', state)
      ctx.session.flash('error', ctx.i18n.t('h5.nameRequired'))
      return ctx.response.redirect().back()
    }
    signInH5Rider(ctx, rider)
    return ctx.response.redirect().back()
  }

  async logout(ctx: HttpContext) {
    signOutH5Rider(ctx)
    return ctx.response.redirect().back()
  }

  async start(ctx: HttpContext) {
    const place = await this.#place(ctx)
    if (!place) return renderH5Unknown(ctx)
    const signedIn = await signedInH5Rider(ctx)
    if (!signedIn) return renderH5SignedOut(ctx)
    const input = await ctx.request.validateUsing(h5StartValidator)
    const duration: ChargeDuration =
      input.durationType === 'hours'
        ? { kind: 'hours', hours: input.hours! }
        : input.durationType === 'amount'
          ? { kind: 'amount', fen: input.amount! }
          : { kind: 'full' }
    const { orderNo } = await this.ports.start(signedIn.tenant, signedIn.rider, place, duration)
    return ctx.response.redirect(`/h5/orders/${orderNo}`)
  }

  /** The live page while charging (the page polls it), then the bill. */
  async order(ctx: HttpContext) {
    const rider = readH5Rider(ctx)
    if (!rider) return renderH5SignedOut(ctx)
    const order = await this.orderPages.order(rider, ctx.params.orderNo)
    if (!order) return renderH5Unknown(ctx)
    return ctx.inertia.render('h5/order', { order } satisfies H5OrderPageProps)
  }

  async stop(ctx: HttpContext) {
    const signedIn = await signedInH5Rider(ctx)
    if (!signedIn) return renderH5SignedOut(ctx)
    await this.orderPages.stop(signedIn.tenant, signedIn.rider, ctx.params.orderNo)
    ctx.session.flash('success', ctx.i18n.t('h5.stopSent'))
    return ctx.response.redirect().back()
  }

  async orders(ctx: HttpContext) {
    const rider = readH5Rider(ctx)
    if (!rider) return renderH5SignedOut(ctx)
    return ctx.inertia.render('h5/orders', {
      orders: await this.orderPages.orders(rider),
    } satisfies H5OrdersPageProps)
  }

  async refund(ctx: HttpContext) {
    const rider = readH5Rider(ctx)
    if (!rider) return renderH5SignedOut(ctx)
    return ctx.inertia.render('h5/refund', {
      me: await this.balance.me(rider),
      refundRequests: await this.balance.refundRequests(rider),
    } satisfies H5RefundPageProps)
  }

  async requestRefund(ctx: HttpContext) {
    const signedIn = await signedInH5Rider(ctx)
    if (!signedIn) return renderH5SignedOut(ctx)
    const input = await ctx.request.validateUsing(h5RefundValidator)
    await this.balance.requestRefund(signedIn.tenant, signedIn.rider, input)
    ctx.session.flash('success', ctx.i18n.t('h5.refundRequested'))
    return ctx.response.redirect().back()
  }

  /** 报修 of this port: the form, for a rider signed in at this pile's tenant. */
  async repairForm(ctx: HttpContext) {
    const place = await this.#place(ctx)
    if (!place) return renderH5Unknown(ctx)
    const rider = readH5Rider(ctx)
    if (rider?.tenantId !== place.tenantId) return renderH5SignedOut(ctx)
    return ctx.inertia.render('h5/repair', {
      port: await this.ports.port(place, ctx.params.pileCode),
      categories: [...REPAIR_CATEGORIES],
    } satisfies H5RepairFormPageProps)
  }

  async report(ctx: HttpContext) {
    const place = await this.#place(ctx)
    if (!place) return renderH5Unknown(ctx)
    const signedIn = await signedInH5Rider(ctx)
    if (!signedIn) return renderH5SignedOut(ctx)
    const input = await ctx.request.validateUsing(repairReportValidator)
    await this.repairs.report(signedIn.tenant, signedIn.rider, place, input)
    ctx.session.flash('success', ctx.i18n.t('repairs.reported'))
    return ctx.response.redirect('/h5/repairs')
  }

  /** 我的报修. */
  async myRepairs(ctx: HttpContext) {
    const rider = readH5Rider(ctx)
    if (!rider) return renderH5SignedOut(ctx)
    return ctx.inertia.render('h5/repairs', {
      tickets: await this.repairs.mine(rider),
    } satisfies H5RepairsPageProps)
  }

  #place(ctx: HttpContext): Promise<H5Place | null> {
    return this.ports.findPlace(String(ctx.params.pileCode), Number(ctx.params.portNo))
  }
}
