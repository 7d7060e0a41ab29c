import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import TenantContext from '#core/tenancy/tenant_context'

/** Riders (用户 → 用户管理). */
@inject()
export default class RiderPolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  view() {
    return this.tenant.can('riders.view')
  }

  create() {
    return this.tenant.can('riders.create')
  }

  edit() {
    return this.tenant.can('riders.edit')
  }

  freeze() {
    return this.tenant.can('riders.freeze')
  }
}
