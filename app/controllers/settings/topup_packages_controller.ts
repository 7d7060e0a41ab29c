import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import SettingsPolicy from '#policies/settings_policy'
import TopupPackageService from '#services/settings/topup_package_service'
import { topupPackageValidator } from '#validators/settings/topup_package_validator'
import type { PackagesPageProps } from '#services/settings/settings_props'

/** 配置 → 充值套餐: each project's top-up packages. */
@inject()
export default class TopupPackagesController {
  constructor(protected packages: TopupPackageService) {}

  async index({ inertia, bouncer }: HttpContext) {
    await bouncer.with(SettingsPolicy).authorize('manage')
    const { packages, projects } = await this.packages.list()
    return inertia.render('settings/packages', {
      packages: packages.map((row) => ({
        id: row.id,
        projectId: row.projectId,
        amount: row.amount,
        bonus: row.bonus,
        sortOrder: row.sortOrder,
        enabled: row.enabled,
      })),
      projectOptions: projects.map((project) => ({ id: project.id, name: project.name })),
    } satisfies PackagesPageProps)
  }

  async store({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(SettingsPolicy).authorize('manage')
    await this.packages.create(await this.#validate(request, i18n))
    session.flash('success', i18n.t('topup.packageSaved'))
    return response.redirect().back()
  }

  async update({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(SettingsPolicy).authorize('manage')
    await this.packages.update(Number(params.id), await this.#validate(request, i18n))
    session.flash('success', i18n.t('topup.packageSaved'))
    return response.redirect().back()
  }

  async destroy({ params, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(SettingsPolicy).authorize('manage')
    await this.packages.destroy(Number(params.id))
    session.flash('success', i18n.t('topup.packageDeleted'))
    return response.redirect().back()
  }

  #validate(request: HttpContext['request'], i18n: HttpContext['i18n']) {
    return request.validateUsing(topupPackageValidator, {
      messagesProvider: i18n.createMessagesProvider('topup.validation'),
    })
  }
}
