import type { HttpContext } from '@adonisjs/core/http'
import { requestDetails } from '#core/audit/audit_service'
import type { ChargeDuration } from '#models/charging_order'
import PortPage from '#services/h5/port_page'
import RiderBalance from '#services/h5/rider_balance'
import RiderOrders from '#services/h5/rider_orders'
import RiderRepairs from '#services/h5/rider_repairs'
import RiderSignIn from '#services/h5/rider_sign_in'
import {
  h5CodeValidator,
  h5LoginValidator,
  h5RefundValidator,
  h5StartValidator,
} from '#validators/h5_validator'
import type {
  H5LoginState,
  H5Place,
  H5Rider,
  H5OrderPageProps,
  H5OrdersPageProps,
  H5PortPageProps,
  H5RefundPageProps,
} from '#services/h5/h5_types'
import type { H5RepairFormPageProps, H5RepairsPageProps } from '#services/h5/repair_props'
import { REPAIR_CATEGORIES } from '#models/repair_ticket'
import { repairReportValidator } from '#validators/operations/repair_validator'

/** Where the rider's sign-in lives in the session: apart from any staff sign-in. */
const SESSION_KEY = 'h5Rider'

/** The sign-in form's state between requests: the phone, the code under the dev flag, a name asked. */

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
    if (!place) return this.#unknown(ctx)
    const rider = this.#rider(ctx)
    const signedIn = rider?.tenantId === place.tenantId ? rider : null
    const login = ctx.session.flashMessages.get('h5Login') as H5LoginState | undefined
    return ctx.inertia.render('h5/port', {
      port: await this.ports.port(place, ctx.params.pileCode),
      me: signedIn ? await this.balance.me(signedIn) : null,
      openOrderNo: signedIn ? await this.ports.openOrderOn(signedIn, place) : null,
      login: login ?? null,
      captchaRequired: signedIn ? false : await this.signIn.captchaRequired(ctx.request.ip()),
    } satisfies H5PortPageProps)
  }

  async sendCode(ctx: HttpContext) {
    const place = await this.#place(ctx)
    if (!place) return this.#unknown(ctx)
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
    if (!place) return this.#unknown(ctx)
    const input = await ctx.request.validateUsing(h5LoginValidator)
    const rider = await this.signIn.logIn(place, input, requestDetails(ctx), ctx.request.ip())
    if (rider === 'nameRequired') {
      const state: H5LoginState = { phone: input.phone, devCode: null, needsName: true }
      ctx.session.flash('h5Login', state)
      ctx.session.flash('error', ctx.i18n.t('h5.nameRequired'))
      return ctx.response.redirect().back()
    }
    // A new session id at sign-in, as for staff: no fixation.
    ctx.session.regenerate()
    ctx.session.put(SESSION_KEY, rider)
    return ctx.response.redirect().back()
  }

  async logout(ctx: HttpContext) {
    ctx.session.forget(SESSION_KEY)
    return ctx.response.redirect().back()
  }

  async start(ctx: HttpContext) {
    const place = await this.#place(ctx)
    if (!place) return this.#unknown(ctx)
    const signedIn = await this.#signedIn(ctx)
    if (!signedIn) return this.#signedOut(ctx)
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
    const rider = this.#rider(ctx)
    if (!rider) return this.#signedOut(ctx)
    const order = await this.orderPages.order(rider, ctx.params.orderNo)
    if (!order) return this.#unknown(ctx)
    return ctx.inertia.render('h5/order', { order } satisfies H5OrderPageProps)
  }

  async stop(ctx: HttpContext) {
    const signedIn = await this.#signedIn(ctx)
    if (!signedIn) return this.#signedOut(ctx)
    await this.orderPages.stop(signedIn.tenant, signedIn.rider, ctx.params.orderNo)
    ctx.session.flash('success', ctx.i18n.t('h5.stopSent'))
    return ctx.response.redirect().back()
  }

  async orders(ctx: HttpContext) {
    const rider = this.#rider(ctx)
    if (!rider) return this.#signedOut(ctx)
    return ctx.inertia.render('h5/orders', {
      orders: await this.orderPages.orders(rider),
    } satisfies H5OrdersPageProps)
  }

  async refund(ctx: HttpContext) {
    const rider = this.#rider(ctx)
    if (!rider) return this.#signedOut(ctx)
    return ctx.inertia.render('h5/refund', {
      me: await this.balance.me(rider),
      refundRequests: await this.balance.refundRequests(rider),
    } satisfies H5RefundPageProps)
  }

  async requestRefund(ctx: HttpContext) {
    const signedIn = await this.#signedIn(ctx)
    if (!signedIn) return this.#signedOut(ctx)
    const input = await ctx.request.validateUsing(h5RefundValidator)
    await this.balance.requestRefund(signedIn.tenant, signedIn.rider, input)
    ctx.session.flash('success', ctx.i18n.t('h5.refundRequested'))
    return ctx.response.redirect().back()
  }

  /** 报修 of this port: the form, for a rider signed in at this pile's tenant. */
  async repairForm(ctx: HttpContext) {
    const place = await this.#place(ctx)
    if (!place) return this.#unknown(ctx)
    const rider = this.#rider(ctx)
    if (rider?.tenantId !== place.tenantId) return this.#signedOut(ctx)
    return ctx.inertia.render('h5/repair', {
      port: await this.ports.port(place, ctx.params.pileCode),
      categories: [...REPAIR_CATEGORIES],
    } satisfies H5RepairFormPageProps)
  }

  async report(ctx: HttpContext) {
    const place = await this.#place(ctx)
    if (!place) return this.#unknown(ctx)
    const signedIn = await this.#signedIn(ctx)
    if (!signedIn) return this.#signedOut(ctx)
    const input = await ctx.request.validateUsing(repairReportValidator)
    await this.repairs.report(signedIn.tenant, signedIn.rider, place, input)
    ctx.session.flash('success', ctx.i18n.t('repairs.reported'))
    return ctx.response.redirect('/h5/repairs')
  }

  /** 我的报修. */
  async myRepairs(ctx: HttpContext) {
    const rider = this.#rider(ctx)
    if (!rider) return this.#signedOut(ctx)
    return ctx.inertia.render('h5/repairs', {
      tickets: await this.repairs.mine(rider),
    } satisfies H5RepairsPageProps)
  }

  #place(ctx: HttpContext): Promise<H5Place | null> {
    return this.ports.findPlace(String(ctx.params.pileCode), Number(ctx.params.portNo))
  }

  #rider(ctx: HttpContext): H5Rider | null {
    const value = ctx.session.get(SESSION_KEY) as Partial<H5Rider> | undefined
    if (!value || !value.tenantId || !value.riderId || !value.projectId) return null
    return { tenantId: value.tenantId, riderId: value.riderId, projectId: value.projectId }
  }

  /** The rider and the context their changes run (and are audited) in. */
  async #signedIn(ctx: HttpContext) {
    const rider = this.#rider(ctx)
    const tenant = rider ? await this.signIn.contextFor(rider, requestDetails(ctx)) : null
    return rider && tenant ? { rider, tenant } : null
  }

  #unknown(ctx: HttpContext) {
    ctx.response.status(404)
    return ctx.inertia.render('h5/missing', {})
  }

  #signedOut(ctx: HttpContext) {
    ctx.response.status(401)
    return ctx.inertia.render('h5/signed_out', {})
  }
}
