import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import TenantContext from '#core/tenancy/tenant_context'

/** 业主: managing owners and shares; reading statements (an owner account: only its own). */
@inject()
export default class OwnerPolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  manage() {
    return this.tenant.can('owners.manage')
  }

  statement() {
    return this.tenant.can('owners.statement')
  }
}
