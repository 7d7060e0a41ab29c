import { planTerms } from '#models/plan'
import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import SettingsPolicy from '#policies/settings_policy'
import PlanService from '#services/settings/plan_service'
import { planValidator } from '#validators/settings/plan_validator'
import type { PlansPageProps } from '#services/settings/plan_props'

/** 配置 → 套餐: each project's 包月 and 次卡 plans. */
@inject()
export default class PlansController {
  constructor(protected plans: PlanService) {}

  async index({ inertia, bouncer }: HttpContext) {
    await bouncer.with(SettingsPolicy).authorize('manage')
    const { plans, projects } = await this.plans.list()
    return inertia.render('settings/plans', {
      plans: plans.map((plan) => ({
        id: plan.id,
        projectId: plan.projectId,
        ...planTerms(plan),
        enabled: plan.enabled,
      })),
      projectOptions: projects.map((project) => ({ id: project.id, name: project.name })),
    } satisfies PlansPageProps)
  }

  async store({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(SettingsPolicy).authorize('manage')
    await this.plans.create(await this.#validate(request, i18n))
    session.flash('success', i18n.t('plans.saved'))
    return response.redirect().back()
  }

  async update({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(SettingsPolicy).authorize('manage')
    await this.plans.update(Number(params.id), await this.#validate(request, i18n))
    session.flash('success', i18n.t('plans.saved'))
    return response.redirect().back()
  }

  #validate(request: HttpContext['request'], i18n: HttpContext['i18n']) {
    return request.validateUsing(planValidator, {
      messagesProvider: i18n.createMessagesProvider('plans.validation'),
    })
  }
}
