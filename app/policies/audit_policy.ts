import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import TenantContext from '#core/tenancy/tenant_context'

/** Who may read the tenant's audit log (日志: operation and login logs). */
@inject()
export default class AuditPolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  view() {
    return this.tenant.can('audit.view')
  }
}
