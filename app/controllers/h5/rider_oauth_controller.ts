import type { HttpContext } from '@adonisjs/core/http'
import { urlFor } from '@adonisjs/core/services/url_builder'
import limiter from '@adonisjs/limiter/services/main'
import env from '#start/env'
import { requestDetails } from '#core/audit/audit_service'
import type { RiderIdentityProvider } from '#models/rider_identity'
import type RiderOauthApp from '#models/rider_oauth_app'
import PortPage from '#services/h5/port_page'
import { OAUTH_FAILED_FLASH } from '#services/h5/oauth/in_app'
import { issueOauthState, takeOauthState } from '#services/h5/oauth/oauth_state'
import RiderOauthSignIn from '#services/h5/oauth/rider_oauth_sign_in'
import PhoneBinding from '#services/h5/oauth/phone_binding'
import RiderSignIn from '#services/h5/rider_sign_in'
import {
  h5BindCodeValidator,
  h5BindPhoneValidator,
  h5OauthCallbackValidator,
  h5OauthRedirectValidator,
} from '#validators/h5/oauth_validator'
import {
  readH5Payer,
  readH5Rider,
  renderH5SignedOut,
  renderH5Unknown,
  signInH5Rider,
} from '#controllers/h5/h5_session'

/** Callbacks per IP: each costs a provider call, and a flood of forged ones must stay cheap. */
export const OAUTH_CALLBACK_LIMIT = { requests: 30, duration: '10 min', blockDuration: '10 min' }

function providerOf(value: unknown): RiderIdentityProvider | null {
  return value === 'wechat' || value === 'alipay' ? value : null
}

/**
 * Rider sign-in inside WeChat (official-account OAuth) or Alipay (auth_base)
 * at the H5, through the tenant's own app, with Ally drivers as staff SSO.
 * The rider's session holds the one-time state, which names the port to
 * go back to; a failure shows one generic message, never the provider's.
 */
export default class RiderOauthController {
  protected ports = new PortPage()
  protected signIn = new RiderOauthSignIn()
  protected smsSignIn = new RiderSignIn()
  protected binding = new PhoneBinding()

  /** GET /h5/p/:pileCode/:portNo/oauth/:provider: off to WeChat's or Alipay's authorise page. */
  async redirect(ctx: HttpContext) {
    const pileCode = String(ctx.params.pileCode)
    const portNo = Number(ctx.params.portNo)
    const provider = providerOf(ctx.params.provider)
    const place = provider ? await this.ports.findPlace(pileCode, portNo) : null
    if (!provider || !place) return renderH5Unknown(ctx)
    const [, query] = await h5OauthRedirectValidator.tryValidate(ctx.request.qs())
    const profile = query?.profile === '1'
    const app = await this.signIn.appFor(place.tenantId, provider)
    if (!app) return this.#failed(ctx, { pileCode, portNo })
    const scope = provider === 'wechat' && profile ? 'userinfo' : 'base'
    const state = issueOauthState(ctx.session, {
      provider,
      tenantId: place.tenantId,
      pileCode,
      portNo,
      scope,
    })
    const url = await this.#driver(ctx, provider, app).redirectUrl((request) => {
      if (provider === 'wechat') {
        request.scopes([scope === 'userinfo' ? 'snsapi_userinfo' : 'snsapi_base'])
      }
      request.param('state', state)
    })
    return ctx.response.redirect(url)
  }

  /** GET /h5/oauth/:provider/callback: back from WeChat or Alipay. */
  async callback(ctx: HttpContext) {
    const provider = providerOf(ctx.params.provider)
    if (!provider) return renderH5Unknown(ctx)
    const limit = await limiter.use(OAUTH_CALLBACK_LIMIT).get(`h5_oauth_ip_${ctx.request.ip()}`)
    if (limit && limit.remaining <= 0) return this.#refused(ctx, 429)
    await limiter.use(OAUTH_CALLBACK_LIMIT).increment(`h5_oauth_ip_${ctx.request.ip()}`)

    const [invalid, input] = await h5OauthCallbackValidator.tryValidate(ctx.request.qs())
    if (invalid) return this.#refused(ctx, 400)
    const attempt = takeOauthState(ctx.session, input.state, provider)
    if (!attempt) return this.#refused(ctx, 400)
    const back = { pileCode: attempt.pileCode, portNo: attempt.portNo }
    const place = await this.ports.findPlace(attempt.pileCode, attempt.portNo)
    if (!place || place.tenantId !== attempt.tenantId) return renderH5Unknown(ctx)
    const app = await this.signIn.appFor(place.tenantId, provider)
    const code = provider === 'wechat' ? input.code : input.auth_code
    if (!app || !code) return this.#failed(ctx, back)

    let account
    try {
      account = await this.#driver(ctx, provider, app).user()
    } catch (error) {
      ctx.logger.warn({ err: error, provider, tenantId: place.tenantId }, 'H5 sign-in call failed')
      return this.#failed(ctx, back)
    }
    const subject = String(account.id)
    const riderId = await this.signIn.signIn(
      {
        tenantId: place.tenantId,
        provider,
        appId: app.appId,
        subject,
        account: account.original,
      },
      requestDetails(ctx)
    )
    signInH5Rider(
      ctx,
      { tenantId: place.tenantId, riderId, projectId: place.projectId },
      { tenantId: place.tenantId, provider, payerId: subject }
    )
    return ctx.response.redirect(urlFor('h5.port', back))
  }

  /** POST /h5/p/:pileCode/:portNo/bind/code: 绑定手机号's code, within the SMS sign-in's limits. */
  async sendBindCode(ctx: HttpContext) {
    const place = await this.ports.findPlace(String(ctx.params.pileCode), Number(ctx.params.portNo))
    if (!place) return renderH5Unknown(ctx)
    if (readH5Rider(ctx)?.tenantId !== place.tenantId) return renderH5SignedOut(ctx)
    const { phone, captcha } = await ctx.request.validateUsing(h5BindCodeValidator)
    const { devCode } = await this.smsSignIn.sendCode(place, phone, {
      ip: ctx.request.ip(),
      session: ctx.session,
      captcha,
    })
    ctx.session.flash('h5Bind', { phone, devCode })
    ctx.session.flash('success', ctx.i18n.t('h5.codeSent'))
    return ctx.response.redirect().back()
  }

  /** POST /h5/p/:pileCode/:portNo/bind: 绑定手机号; a counter rider's phone switches the session to them. */
  async bindPhone(ctx: HttpContext) {
    const place = await this.ports.findPlace(String(ctx.params.pileCode), Number(ctx.params.portNo))
    if (!place) return renderH5Unknown(ctx)
    const rider = readH5Rider(ctx)
    if (rider?.tenantId !== place.tenantId) return renderH5SignedOut(ctx)
    const input = await ctx.request.validateUsing(h5BindPhoneValidator)
    const riderId = await this.binding.bind(rider, input, requestDetails(ctx), ctx.request.ip())
    if (riderId !== rider.riderId) {
      signInH5Rider(ctx, { ...rider, riderId }, readH5Payer(ctx) ?? undefined)
    }
    ctx.session.flash('success', ctx.i18n.t('h5_oauth.phoneBound'))
    return ctx.response.redirect().back()
  }

  /** Ally's driver for the provider, with the tenant's app and our own callback URL. */
  #driver(ctx: HttpContext, provider: RiderIdentityProvider, app: RiderOauthApp) {
    const base = env.get('APP_URL') ?? `${ctx.request.protocol()}://${ctx.request.host()}`
    ctx.riderOauthApp = {
      clientId: app.appId,
      clientSecret: app.secret ?? '',
      alipayPublicKey: app.alipayPublicKey ?? '',
      callbackUrl: `${base}${urlFor('h5.oauth.callback', { provider })}`,
    }
    return ctx.ally.use(provider === 'wechat' ? 'h5_wechat' : 'h5_alipay')
  }

  /** Back to the port page, signed out, with the one generic message and SMS offered. */
  #failed(ctx: HttpContext, back: { pileCode: string; portNo: number }) {
    ctx.session.flash('error', ctx.i18n.t('h5_oauth.failed'))
    ctx.session.flash(OAUTH_FAILED_FLASH, true)
    return ctx.response.redirect(urlFor('h5.port', back))
  }

  /** A callback we cannot place (no state, forged, replayed, expired): nothing to go back to. */
  #refused(ctx: HttpContext, status: 400 | 429) {
    const page = renderH5SignedOut(ctx)
    ctx.response.status(status)
    return page
  }
}
