import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import RoleService from '#services/permissions/role_service'
import StaffPolicy from '#policies/staff_policy'
import { roleValidator } from '#validators/permissions/role_validator'
import { PERMISSIONS } from '#core/access/permissions'
import type { RolesPageProps } from '#services/permissions/permissions_props'

@inject()
export default class RolesController {
  constructor(protected roles: RoleService) {}

  async index({ inertia, bouncer, tenant }: HttpContext) {
    await bouncer.with(StaffPolicy).authorize('manageRoles')
    return inertia.render('permissions/roles', {
      roles: await this.roles.list(),
      allPermissions: [...PERMISSIONS],
      // A role holds only permissions its editor holds (the server checks too).
      ownPermissions: PERMISSIONS.filter((permission) => tenant.can(permission)),
    } satisfies RolesPageProps)
  }

  async store({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(StaffPolicy).authorize('manageRoles')
    await this.roles.create(await request.validateUsing(roleValidator))
    session.flash('success', i18n.t('roles.saved'))
    return response.redirect().back()
  }

  async update({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(StaffPolicy).authorize('manageRoles')
    await this.roles.update(Number(params.id), await request.validateUsing(roleValidator))
    session.flash('success', i18n.t('roles.saved'))
    return response.redirect().back()
  }

  async destroy({ params, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(StaffPolicy).authorize('manageRoles')
    await this.roles.delete(Number(params.id))
    session.flash('success', i18n.t('roles.deleted'))
    return response.redirect().back()
  }
}
