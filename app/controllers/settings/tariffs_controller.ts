import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import SettingsPolicy from '#policies/settings_policy'
import TariffSettings from '#core/billing/tariff_settings'
import type { Tariff } from '#core/billing/tariff'
import ProjectService from '#services/settings/project_service'
import {
  tariffPageValidator,
  tariffPreviewValidator,
  tariffValidator,
} from '#validators/settings/tariff_validator'
import type { TariffsPageProps } from '#services/settings/settings_props'

/** 配置 → 计费: a project's tariff in force, its versions, a new version, the live preview. */
@inject()
export default class TariffsController {
  constructor(
    protected tariffs: TariffSettings,
    protected projects: ProjectService
  ) {}

  async index({ request, inertia, bouncer }: HttpContext) {
    await bouncer.with(SettingsPolicy).authorize('manage')
    const query = await request.validateUsing(tariffPageValidator)
    const visible = await this.projects.list()
    const projects = visible.map(({ id, name }) => ({ id, name }))
    const projectId = query.projectId ?? projects[0]?.id ?? null
    return inertia.render('settings/tariffs', {
      projectOptions: projects,
      projectId,
      versions: projectId ? await this.tariffs.history(projectId) : [],
      defaults: this.tariffs.defaults(),
    } satisfies TariffsPageProps)
  }

  async store({ request, response, session, bouncer, i18n }: HttpContext) {
    const { projectId, rules } = await request.validateUsing(tariffValidator)
    await bouncer.with(SettingsPolicy).authorize('manageScope', projectId)
    const { version } = await this.tariffs.save(projectId, rules as Tariff)
    session.flash('success', i18n.t('charging.tariffSaved', { version }))
    return response.redirect().withQs({ projectId }).toPath('/settings/tariffs')
  }

  /** JSON: what the tariff being edited would bill for one charge (server-side, integer fen). */
  async preview({ request, bouncer }: HttpContext) {
    await bouncer.with(SettingsPolicy).authorize('manage')
    const input = await request.validateUsing(tariffPreviewValidator)
    return this.tariffs.preview(input.rules as Tariff, {
      seconds: input.hours * 3600 + (input.minutes ?? 0) * 60,
      watts: input.watts,
    })
  }
}
