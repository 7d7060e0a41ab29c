import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import TenantContext from '#services/tenancy/tenant_context'
import AccessControlService from '#services/access/access_control_service'
import { actorOf, requestDetails } from '#services/audit/audit_service'

/**
 * Puts a signed-in staff member's request in their tenant's context: the
 * tenant, their permissions and the projects they are limited to. Services
 * and policies receive it by injection. Standing is checked on every request,
 * so a suspension or a disabled account takes effect at once.
 */
export default class TenantContextMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    const staff = ctx.auth.getUserOrFail()
    const standing = await new TenantContext(staff.tenantId).run(async (trx) => {
      const tenantRow = await trx
        .from('tenants')
        .where('id', staff.tenantId)
        .select('status')
        .first()
      const staffRow = await trx.from('staff').where('id', staff.id).select('status').first()
      const limits = await trx
        .from('staff_projects')
        .where('staff_id', staff.id)
        .select('project_id')
      return {
        active: tenantRow?.status === 'active' && staffRow?.status === 'active',
        suspended: tenantRow?.status !== 'active',
        projectIds: limits.length === 0 ? null : limits.map((row) => Number(row.project_id)),
        permissions: await new AccessControlService().permissionsOf(staff.id, trx),
      }
    })

    // A suspended tenant or a disabled account ends sessions already open.
    if (!standing.active) {
      await ctx.auth.use('web').logout()
      ctx.session.flash(
        'error',
        ctx.i18n.t(standing.suspended ? 'auth.tenantSuspended' : 'auth.sessionEnded')
      )
      return ctx.response.redirect('/login')
    }

    const { projectIds, permissions } = standing
    const tenant = new TenantContext(staff.tenantId, staff.id, projectIds, permissions, {
      actor: actorOf(ctx),
      request: requestDetails(ctx),
    })
    ctx.tenant = tenant
    ctx.containerResolver.bindValue(TenantContext, tenant)
    return next()
  }
}

declare module '@adonisjs/core/http' {
  export interface HttpContext {
    tenant: TenantContext
  }
}
