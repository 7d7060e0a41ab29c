import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import { errors } from '@vinejs/vine'
import SettingsPolicy from '#policies/settings_policy'
import PaymentSettingsService from '#services/settings/payment_settings_service'
import {
  paymentSettingCreateValidator,
  paymentSettingEnabledValidator,
  paymentSettingUpdateValidator,
  PluginConfigMessages,
} from '#validators/settings/payment_setting_validator'
import type { PaymentSettingsPageProps } from '#services/settings/settings_props'

/** 配置 → 支付: payment providers per project or for the whole tenant. */
@inject()
export default class PaymentSettingsController {
  constructor(protected settings: PaymentSettingsService) {}

  async index({ inertia, bouncer }: HttpContext) {
    await bouncer.with(SettingsPolicy).authorize('manage')
    const { settings, projects, plugins } = await this.settings.overview()
    return inertia.render('settings/payment', {
      paymentSettings: settings,
      paymentProjects: projects,
      paymentPlugins: plugins,
      paymentTenantWide: await bouncer.with(SettingsPolicy).allows('manageScope', null),
    } satisfies PaymentSettingsPageProps)
  }

  async store(ctx: HttpContext) {
    const { request, bouncer, i18n } = ctx
    return this.#withFieldErrors(ctx, async () => {
      await bouncer.with(SettingsPolicy).authorize('manage')
      const input = await request.validateUsing(paymentSettingCreateValidator)
      await bouncer.with(SettingsPolicy).authorize('manageScope', input.projectId)
      await this.settings.create(input, new PluginConfigMessages(i18n, input.pluginId))
    })
  }

  async update(ctx: HttpContext) {
    const { params, request, bouncer, i18n } = ctx
    return this.#withFieldErrors(ctx, async () => {
      await bouncer.with(SettingsPolicy).authorize('manage')
      const setting = await this.settings.find(Number(params.id))
      await bouncer.with(SettingsPolicy).authorize('manageScope', setting.projectId)
      const input = await request.validateUsing(paymentSettingUpdateValidator)
      await this.settings.update(
        setting.id,
        input,
        new PluginConfigMessages(i18n, setting.pluginId)
      )
    })
  }

  async enabled({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(SettingsPolicy).authorize('manage')
    const setting = await this.settings.find(Number(params.id))
    await bouncer.with(SettingsPolicy).authorize('manageScope', setting.projectId)
    const { enabled } = await request.validateUsing(paymentSettingEnabledValidator)
    await this.settings.setEnabled(setting.id, enabled)
    session.flash(
      'success',
      i18n.t(enabled ? 'payment_settings.enabled' : 'payment_settings.disabled')
    )
    return response.redirect().back()
  }

  async destroy({ params, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(SettingsPolicy).authorize('manage')
    const setting = await this.settings.find(Number(params.id))
    await bouncer.with(SettingsPolicy).authorize('manageScope', setting.projectId)
    await this.settings.destroy(setting.id)
    session.flash('success', i18n.t('payment_settings.deleted'))
    return response.redirect().back()
  }

  /**
   * Saves, or goes back with the form's errors per field (a plugin's own
   * under `config.<field>`). The input is not flashed back: the session
   * would otherwise store the secrets typed into the form.
   */
  async #withFieldErrors({ session, response, i18n }: HttpContext, save: () => Promise<void>) {
    try {
      await save()
    } catch (error) {
      if (!(error instanceof errors.E_VALIDATION_ERROR)) throw error
      session.flashValidationErrors(error, false)
      return response.redirect().withQs().back()
    }
    session.flash('success', i18n.t('payment_settings.saved'))
    return response.redirect().back()
  }
}
