import { inject } from '@adonisjs/core'
import { DateTime } from 'luxon'
import type { HttpContext } from '@adonisjs/core/http'
import { loginValidator } from '#validators/auth/session_validator'
import { LoginFailure } from '#services/auth/login_service'
import PlatformLoginService from '#services/platform/platform_login_service'

/** Sign-in and sign-out of the platform console (platform admins, not tenant staff). */
@inject()
export default class PlatformSessionController {
  constructor(protected logins: PlatformLoginService) {}

  async create({ inertia, response, platformAuth }: HttpContext) {
    if (await platformAuth.use('platform').check()) {
      return response.redirect().toRoute('platform.tenants.index')
    }
    return inertia.render('platform/login', {})
  }

  async store({ request, response, session, platformAuth, i18n }: HttpContext) {
    const { account, password, captcha } = await request.validateUsing(loginValidator)
    try {
      const admin = await this.logins.attempt({
        session,
        ip: request.ip(),
        account,
        password,
        captcha,
      })
      await platformAuth.use('platform').login(admin)
      admin.lastLoginAt = DateTime.now()
      await admin.save()
      return response.redirect().toRoute('platform.tenants.index')
    } catch (error) {
      if (!(error instanceof LoginFailure)) throw error
      const minutes = Math.max(1, Math.ceil(error.retryAfterSeconds / 60))
      session.flash('error', i18n.t(`auth.${error.reason}`, { minutes }))
      session.flashOnly(['account'])
      if (error.reason === 'tooManyAttempts') response.status(429)
      return response.redirect().toRoute('platform.login')
    }
  }

  async destroy({ platformAuth, response }: HttpContext) {
    await platformAuth.use('platform').logout()
    return response.redirect().toRoute('platform.login')
  }
}
