import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import { errors } from '@vinejs/vine'
import SettingsPolicy from '#policies/settings_policy'
import RiderOauthSettingsService from '#services/settings/rider_oauth_settings_service'
import type { RiderOauthPageProps } from '#services/settings/rider_oauth_props'
import { riderOauthAppValidator } from '#validators/settings/rider_oauth_validator'

/** 配置 › 用户登录: the official account and Alipay app riders sign in through. */
@inject()
export default class RiderOauthController {
  constructor(protected settings: RiderOauthSettingsService) {}

  async index({ inertia, bouncer, tenant }: HttpContext) {
    await bouncer.with(SettingsPolicy).authorize('manage')
    return inertia.render('settings/rider_oauth', {
      riderOauthApps: await this.settings.list(tenant),
      riderOauthTenantWide: await bouncer.with(SettingsPolicy).allows('manageScope', null),
    } satisfies RiderOauthPageProps)
  }

  /** Saves one app. Errors go back per field without the input: the session would store the secret. */
  async store({ request, bouncer, tenant, session, response, i18n }: HttpContext) {
    await bouncer.with(SettingsPolicy).authorize('manage')
    try {
      const input = await request.validateUsing(riderOauthAppValidator)
      await this.settings.configure(tenant, input, i18n.createMessagesProvider())
    } catch (error) {
      if (!(error instanceof errors.E_VALIDATION_ERROR)) throw error
      session.flashValidationErrors(error, false)
      return response.redirect().back()
    }
    session.flash('success', i18n.t('rider_oauth.saved'))
    return response.redirect().back()
  }
}
