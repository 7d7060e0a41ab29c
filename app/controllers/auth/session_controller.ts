import { inject } from '@adonisjs/core'
import { DateTime } from 'luxon'
import type { HttpContext } from '@adonisjs/core/http'
import { loginValidator } from '#validators/auth/session_validator'
import LoginService, { LoginFailure } from '#services/auth/login_service'
import SsoLoginService from '#services/auth/sso/sso_login_service'
import LoginAudit from '#core/audit/login_audit'
import StaffSessions from '#services/auth/staff_sessions'
import type { LoginPageProps } from '#services/auth/auth_props'

@inject()
export default class SessionController {
  constructor(
    protected logins: LoginService,
    protected loginAudit: LoginAudit,
    protected sessions: StaffSessions
  ) {}

  /** `?tenant=<code>` adds that tenant's company-account sign-in buttons. */
  async create({ inertia, request }: HttpContext) {
    const tenantCode = String(request.qs().tenant ?? '')
    const providers = tenantCode ? await new SsoLoginService().enabledProviders(tenantCode) : []
    return inertia.render('auth/login', { sso: { tenantCode, providers } } satisfies LoginPageProps)
  }

  async store(ctx: HttpContext) {
    const { request, response, session, auth, i18n } = ctx
    const { account, password, captcha, remember } = await request.validateUsing(loginValidator)
    try {
      const staff = await this.logins.attempt({
        session,
        ip: request.ip(),
        account,
        password,
        captcha,
      })
      await auth.use('web').login(staff, Boolean(remember))
      await this.sessions.tag(ctx, staff.id)
      staff.lastLoginAt = DateTime.now()
      await staff.save()
      await this.loginAudit.succeeded(ctx, staff)
      return response.redirect('/')
    } catch (error) {
      if (!(error instanceof LoginFailure)) throw error
      await this.loginAudit.failed(ctx, account, error.reason)
      const minutes = Math.max(1, Math.ceil(error.retryAfterSeconds / 60))
      session.flash('error', i18n.t(`auth.${error.reason}`, { minutes }))
      session.flashOnly(['account'])
      if (error.reason === 'tooManyAttempts') response.status(429)
      return response.redirect().toRoute('login')
    }
  }

  async destroy(ctx: HttpContext) {
    const { auth, response } = ctx
    await this.loginAudit.loggedOut(ctx, auth.getUserOrFail())
    await auth.use('web').logout()
    return response.redirect('/login')
  }
}
