import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import TenantContext from '#services/tenancy/tenant_context'
import StaffProjects from '#services/access/staff_projects'

/**
 * Puts a signed-in staff member's request in their tenant's context: the
 * tenant, and the projects they are limited to. Services receive it by
 * injection and run their queries through it.
 */
export default class TenantContextMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    const staff = ctx.auth.getUserOrFail()
    const projectIds = await new StaffProjects().limitsOf(staff.tenantId, staff.id)
    const tenant = new TenantContext(staff.tenantId, staff.id, projectIds)
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
