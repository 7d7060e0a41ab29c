import { inject } from '@adonisjs/core'
import PluginSettingsController from '#controllers/settings/plugin_settings_controller'

/** 配置 → 支付配置: payment providers per project or for the whole tenant. */
@inject()
export default class PaymentSettingsController extends PluginSettingsController {
  protected section = 'payment' as const
}
