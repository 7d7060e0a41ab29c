import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import TenantContext from '#core/tenancy/tenant_context'
import AccessControlService from '#core/access/access_control_service'
import { BUILTIN_ROLES } from '#core/access/permissions'
import { actorOf, requestDetails } from '#core/audit/audit_service'

/**
 * Puts a signed-in staff member's request in their tenant's context: the
 * tenant, their permissions and the projects they are limited to. Services
 * and policies receive it by injection. Standing is checked on every request,
 * so a suspension or a disabled account takes effect at once.
 */
export default class TenantContextMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    const staff = ctx.auth.getUserOrFail()
    // Tenant, staff and project limits in one statement: this runs before every staff request.
    const standing = await new TenantContext(staff.tenantId).run(async (trx) => {
      const { rows } = await trx.rawQuery(
        `SELECT (SELECT status FROM tenants WHERE id = :tenantId) AS tenant_status,
                (SELECT status FROM staff WHERE id = :staffId) AS staff_status,
                (SELECT owner_id FROM staff WHERE id = :staffId) AS owner_id,
                ARRAY(SELECT project_id FROM staff_projects WHERE staff_id = :staffId) AS project_ids`,
        { tenantId: staff.tenantId, staffId: staff.id }
      )
      const [row] = rows as {
        tenant_status: string | null
        staff_status: string | null
        owner_id: string | number | null
        project_ids: (string | number)[]
      }[]
      return {
        active: row.tenant_status === 'active' && row.staff_status === 'active',
        suspended: row.tenant_status !== 'active',
        projectIds: row.project_ids.length === 0 ? null : row.project_ids.map(Number),
        permissions: await new AccessControlService().permissionsOf(staff.id, trx),
        ownerAccount: row.owner_id !== null,
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

    const { projectIds } = standing
    // An owner account (tied to one owner) holds at most the 业主 role's rights, whatever its roles.
    const ownerRights = new Set(BUILTIN_ROLES.owner.permissions)
    const permissions = standing.ownerAccount
      ? new Set([...standing.permissions].filter((permission) => ownerRights.has(permission)))
      : standing.permissions
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
