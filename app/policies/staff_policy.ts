import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import TenantContext from '#core/tenancy/tenant_context'

/** Staff accounts and roles (权限). */
@inject()
export default class StaffPolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  manage() {
    return this.tenant.can('staff.manage')
  }

  manageRoles() {
    return this.tenant.can('roles.manage')
  }
}
