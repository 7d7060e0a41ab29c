import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import { errors } from '@vinejs/vine'
import env from '#start/env'
import SsoPolicy from '#policies/sso_policy'
import SsoLoginService, { SsoFailure, type SsoTarget } from '#services/auth/sso/sso_login_service'
import StaffIdentityService from '#services/auth/sso/staff_identity_service'
import LoginAudit from '#core/audit/login_audit'
import StaffSessions from '#services/auth/staff_sessions'
import { configureSsoAppValidator, linkIdentityValidator } from '#validators/auth/sso_validator'

/**
 * Staff sign-in with a company account (DingTalk, WeCom) through Ally, and
 * the admin actions behind it. The tenant comes from the URL: each tenant
 * signs in through its own app.
 */
@inject()
export default class SsoController {
  constructor(
    protected logins: SsoLoginService,
    protected identities: StaffIdentityService,
    protected loginAudit: LoginAudit,
    protected sessions: StaffSessions
  ) {}

  /** GET /sso/:tenantCode/:provider/redirect: off to the provider's login page. */
  async redirect(ctx: HttpContext) {
    try {
      const driver = this.#driver(ctx, await this.#target(ctx))
      return await driver.redirect()
    } catch (error) {
      return this.#refuse(ctx, error)
    }
  }

  /** GET /sso/:tenantCode/:provider/callback: back from the provider. */
  async callback(ctx: HttpContext) {
    try {
      const target = await this.#target(ctx)
      const driver = this.#driver(ctx, target)
      if (driver.accessDenied()) throw new SsoFailure('accessDenied')
      // Checked before any call to the provider: a forged or replayed callback goes no
      // further. Ally alone lets a callback without state through when no state cookie
      // is left either, which is how a login-CSRF link would arrive.
      if (!ctx.request.input('state') || driver.stateMisMatch()) {
        throw new SsoFailure('stateMismatch')
      }
      if (driver.hasError()) throw new SsoFailure('providerError')

      let externalId: string
      try {
        const user = await driver.user()
        externalId = String(user.id)
      } catch (error) {
        ctx.logger.warn({ err: error, provider: target.provider }, 'SSO provider call failed')
        throw new SsoFailure('providerError')
      }
      const staff = await this.logins.staffFor(target, externalId)
      await ctx.auth.use('web').login(staff)
      await this.sessions.tag(ctx, staff.id)
      await this.loginAudit.succeeded(ctx, staff)
      return ctx.response.redirect('/')
    } catch (error) {
      return this.#refuse(ctx, error)
    }
  }

  /** POST /sso/identities: an admin links a staff member to their company account. */
  async linkIdentity(ctx: HttpContext) {
    const { request, bouncer, tenant, session, response, i18n } = ctx
    await bouncer.with(SsoPolicy).authorize('linkIdentity')
    const { staffId, provider, externalId } = await request.validateUsing(linkIdentityValidator)
    await this.identities.linkIdentity(tenant, staffId, provider, externalId, ctx)
    session.flash('success', i18n.t('sso.identityLinked'))
    return response.redirect().back()
  }

  /**
   * POST /sso/apps: an admin sets the tenant's DingTalk or WeCom app. Errors
   * go back per field without the input: the session would otherwise store
   * the secret typed.
   */
  async configureApp(ctx: HttpContext) {
    const { request, bouncer, tenant, session, response, i18n } = ctx
    await bouncer.with(SsoPolicy).authorize('configureApp')
    try {
      const settings = await request.validateUsing(configureSsoAppValidator)
      await this.identities.configureApp(tenant, settings, ctx, i18n.createMessagesProvider())
    } catch (error) {
      const page = request.accepts(['html', 'json']) !== 'json' || request.header('x-inertia')
      if (!(error instanceof errors.E_VALIDATION_ERROR) || !page) throw error
      session.flashValidationErrors(error, false)
      return response.redirect().back()
    }
    session.flash('success', i18n.t('sso.appSaved'))
    return response.redirect().back()
  }

  #target({ params }: HttpContext) {
    return this.logins.target(String(params.tenantCode), String(params.provider))
  }

  /** Ally's driver for the target, with the tenant's app credentials. */
  #driver(ctx: HttpContext, { tenant, provider, app }: SsoTarget) {
    const base = env.get('APP_URL') ?? `${ctx.request.protocol()}://${ctx.request.host()}`
    ctx.ssoApp = {
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      agentId: app.agentId ?? '',
      callbackUrl: `${base}/sso/${encodeURIComponent(tenant.code)}/${provider}/callback`,
    }
    return ctx.ally.use(provider)
  }

  #refuse({ params, session, response, i18n }: HttpContext, error: unknown) {
    if (!(error instanceof SsoFailure)) throw error
    session.flash('error', i18n.t(`sso.${error.reason}`))
    const tenantCode = encodeURIComponent(String(params.tenantCode))
    return response.redirect(`/login?tenant=${tenantCode}`)
  }
}
