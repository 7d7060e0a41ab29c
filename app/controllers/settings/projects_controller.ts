import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import ProjectService from '#services/settings/project_service'
import SettingsPolicy from '#policies/settings_policy'
import { projectUpdateValidator, projectValidator } from '#validators/settings/project_validator'
import type { ProjectsPageProps } from '#services/settings/settings_props'

@inject()
export default class ProjectsController {
  constructor(protected projects: ProjectService) {}

  async index({ inertia, bouncer }: HttpContext) {
    await bouncer.with(SettingsPolicy).authorize('manage')
    const projects = await this.projects.list()
    return inertia.render('settings/projects', {
      projects: projects.map((project) => ({
        id: project.id,
        code: project.code,
        name: project.name,
        status: project.status,
        cardFee: project.cardFee,
        overdraftLimit: project.overdraftLimit,
        deductionOrder: project.deductionOrder,
        topupMax: project.topupMax,
      })),
    } satisfies ProjectsPageProps)
  }

  async store({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(SettingsPolicy).authorize('manage')
    await this.projects.create(await request.validateUsing(projectValidator))
    session.flash('success', i18n.t('projects.saved'))
    return response.redirect().back()
  }

  async update({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(SettingsPolicy).authorize('manage')
    await this.projects.update(
      Number(params.id),
      await request.validateUsing(projectUpdateValidator)
    )
    session.flash('success', i18n.t('projects.saved'))
    return response.redirect().back()
  }
}
