import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import TenantContext from '#core/tenancy/tenant_context'

/** 运维 → 报修工单: riders' reports, read and handled (assign, close, 停用端口) by one permission. */
@inject()
export default class RepairTicketPolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  manage() {
    return this.tenant.can('repairs.manage')
  }
}
