import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import { errors } from '@vinejs/vine'
import SettingsPolicy from '#policies/settings_policy'
import PluginSettingsService, {
  PLUGIN_SETTINGS_SECTIONS,
  type PluginSettingsSection,
} from '#services/settings/plugin_settings_service'
import {
  pluginSettingCreateValidator,
  pluginSettingEnabledValidator,
  pluginSettingUpdateValidator,
  PluginConfigMessages,
} from '#validators/settings/plugin_setting_validator'
import type { PluginSettingsPageProps } from '#services/settings/settings_props'

/**
 * A 配置 page of plugin settings, per project or for the whole tenant; each
 * subclass names its section (PLUGIN_SETTINGS_SECTIONS), the page shared.
 */
@inject()
export default abstract class PluginSettingsController {
  protected abstract section: PluginSettingsSection

  constructor(protected settings: PluginSettingsService) {}

  async index({ inertia, bouncer }: HttpContext) {
    await bouncer.with(SettingsPolicy).authorize('manage')
    const { settings, projects, plugins } = await this.settings.overview(this.section)
    return inertia.render('settings/plugins', {
      section: this.section,
      pluginSettings: settings,
      pluginProjects: projects,
      pluginChoices: plugins,
      pluginTenantWide: await bouncer.with(SettingsPolicy).allows('manageScope', null),
    } satisfies PluginSettingsPageProps)
  }

  async store(ctx: HttpContext) {
    const { request, bouncer, i18n } = ctx
    return this.#withFieldErrors(ctx, async () => {
      await bouncer.with(SettingsPolicy).authorize('manage')
      const input = await request.validateUsing(pluginSettingCreateValidator)
      await bouncer.with(SettingsPolicy).authorize('manageScope', input.projectId)
      await this.settings.create(
        this.section,
        input,
        new PluginConfigMessages(i18n, input.pluginId)
      )
    })
  }

  async update(ctx: HttpContext) {
    const { request, i18n } = ctx
    return this.#withFieldErrors(ctx, async () => {
      const setting = await this.authorizedSetting(ctx)
      const input = await request.validateUsing(pluginSettingUpdateValidator)
      await this.settings.update(
        this.section,
        setting.id,
        input,
        new PluginConfigMessages(i18n, setting.pluginId)
      )
    })
  }

  async enabled(ctx: HttpContext) {
    const { request, response, session, i18n } = ctx
    const setting = await this.authorizedSetting(ctx)
    const { enabled } = await request.validateUsing(pluginSettingEnabledValidator)
    await this.settings.setEnabled(this.section, setting.id, enabled)
    session.flash('success', i18n.t(`${this.#name}.${enabled ? 'enabled' : 'disabled'}`))
    return response.redirect().back()
  }

  async destroy(ctx: HttpContext) {
    const { response, session, i18n } = ctx
    const setting = await this.authorizedSetting(ctx)
    await this.settings.destroy(this.section, setting.id)
    session.flash('success', i18n.t(`${this.#name}.deleted`))
    return response.redirect().back()
  }

  /** The section's setting of the URL, visible (404 otherwise) and within the actor's scope. */
  protected async authorizedSetting({ params, bouncer }: HttpContext) {
    await bouncer.with(SettingsPolicy).authorize('manage')
    const setting = await this.settings.find(this.section, Number(params.id))
    await bouncer.with(SettingsPolicy).authorize('manageScope', setting.projectId)
    return setting
  }

  get #name() {
    return PLUGIN_SETTINGS_SECTIONS[this.section].name
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
    session.flash('success', i18n.t(`${this.#name}.saved`))
    return response.redirect().back()
  }
}
