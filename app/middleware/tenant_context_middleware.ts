import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import TenantContext from '#services/tenancy/tenant_context'
import AccessControlService from '#services/access/access_control_service'
import { actorOf, requestDetails } from '#services/audit/audit_service'

/**
 * Puts a signed-in staff member's request in their tenant's context: the
 * tenant, their permissions and the projects they are limited to. Services
 * and policies receive it by injection.
 */
export default class TenantContextMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    const staff = ctx.auth.getUserOrFail()
    const { projectIds, permissions } = await new TenantContext(staff.tenantId).run(async (trx) => {
      const limits = await trx
        .from('staff_projects')
        .where('staff_id', staff.id)
        .select('project_id')
      return {
        projectIds: limits.length === 0 ? null : limits.map((row) => Number(row.project_id)),
        permissions: await new AccessControlService().permissionsOf(staff.id, trx),
      }
    })
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
