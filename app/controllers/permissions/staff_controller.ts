import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import StaffService from '#services/permissions/staff_service'
import RoleService from '#services/permissions/role_service'
import ProjectService from '#services/settings/project_service'
import StaffIdentityService from '#services/auth/sso/staff_identity_service'
import StaffPolicy from '#policies/staff_policy'
import { holdsPermissions } from '#services/permissions/grant_rules'
import {
  createStaffValidator,
  resetPasswordValidator,
  staffStatusValidator,
  updateStaffValidator,
} from '#validators/permissions/staff_validator'
import type { StaffPageProps } from '#services/permissions/permissions_props'

@inject()
export default class StaffController {
  constructor(
    protected staff: StaffService,
    protected roles: RoleService,
    protected projects: ProjectService,
    protected identities: StaffIdentityService
  ) {}

  async index({ inertia, bouncer, tenant }: HttpContext) {
    await bouncer.with(StaffPolicy).authorize('manage')
    const [members, roles, projects] = [
      await this.staff.list(),
      await this.roles.list(),
      await this.projects.list(),
    ]
    const actor = { permissions: tenant.permissions, projectIds: tenant.projectIds }
    return inertia.render('permissions/staff', {
      members,
      roles: roles.map((role) => ({
        id: role.id,
        name: role.name,
        // Only roles whose permissions the admin holds can be given (the server checks too).
        grantable: holdsPermissions(actor, role.permissions),
      })),
      // Already limited to the admin's own projects; "all projects" only for a tenant-wide admin.
      projects: projects.map((project) => ({ id: project.id, name: project.name })),
      allProjectsGrantable: tenant.projectIds === null,
      ssoIdentities: await this.identities.identities(tenant),
    } satisfies StaffPageProps)
  }

  async store({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(StaffPolicy).authorize('manage')
    await this.staff.create(await request.validateUsing(createStaffValidator))
    session.flash('success', i18n.t('staff.created'))
    return response.redirect().back()
  }

  async update({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(StaffPolicy).authorize('manage')
    await this.staff.update(Number(params.id), await request.validateUsing(updateStaffValidator))
    session.flash('success', i18n.t('staff.updated'))
    return response.redirect().back()
  }

  async status({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(StaffPolicy).authorize('manage')
    const { status } = await request.validateUsing(staffStatusValidator)
    await this.staff.setStatus(Number(params.id), status)
    session.flash('success', i18n.t('staff.updated'))
    return response.redirect().back()
  }

  async resetPassword({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(StaffPolicy).authorize('manage')
    const { password } = await request.validateUsing(resetPasswordValidator, {
      meta: { staffId: Number(params.id) },
    })
    await this.staff.resetPassword(Number(params.id), password)
    session.flash('success', i18n.t('staff.passwordReset'))
    return response.redirect().back()
  }
}
