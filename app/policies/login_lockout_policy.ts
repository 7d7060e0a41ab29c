import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import TenantContext from '#core/tenancy/tenant_context'
import { PERMISSIONS } from '#core/access/permissions'

/** Lifting login locks (权限 → 管理员: 解锁). */
@inject()
export default class LoginLockoutPolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  /** Super admins only: every permission over all projects. */
  unlock() {
    return (
      this.tenant.projectIds === null &&
      PERMISSIONS.every((permission) => this.tenant.can(permission))
    )
  }
}
