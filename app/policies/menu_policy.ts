import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import type Staff from '#models/staff'
import TenantContext from '#services/tenancy/tenant_context'
import type { Permission } from '#services/access/permissions'

/** Who may open a menu page: its permission, or none needed. */
@inject()
export default class MenuPolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  open(_staff: Staff, permission: Permission | null) {
    return permission === null || this.tenant.can(permission)
  }
}
