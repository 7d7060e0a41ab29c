import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import PluginSettingsController from '#controllers/settings/plugin_settings_controller'
import PluginSettingsService from '#services/settings/plugin_settings_service'
import SmsTestSendService from '#services/settings/sms_test_send_service'
import { smsTestSendValidator } from '#validators/settings/plugin_setting_validator'

/** 配置 → 短信配置: the SMS senders (and rider notify plugins), with a test send. */
@inject()
export default class SmsSettingsController extends PluginSettingsController {
  protected section = 'sms' as const

  constructor(
    settings: PluginSettingsService,
    protected tests: SmsTestSendService
  ) {
    super(settings)
  }

  /** POST /settings/sms/:id/test: one text to the phone typed; says whether the provider took it. */
  async testSend(ctx: HttpContext) {
    const { request, response, session, i18n } = ctx
    const setting = await this.authorizedSetting(ctx)
    const { phone } = await request.validateUsing(smsTestSendValidator)
    const result = await this.tests.send(setting.id, phone)
    if (result.accepted) session.flash('success', i18n.t('sms_settings.testAccepted'))
    else session.flash('error', i18n.t('sms_settings.testRefused', { code: result.providerCode }))
    return response.redirect().back()
  }
}
