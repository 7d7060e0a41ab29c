import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import TenantContext from '#core/tenancy/tenant_context'

/** Staff SSO administration: who may link accounts and set up the tenant's apps. */
@inject()
export default class SsoPolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  linkIdentity() {
    return this.tenant.can('staff.manage')
  }

  /**
   * The tenant's sign-in apps serve every project: StaffIdentityService
   * refuses, and audits, an admin limited to projects.
   */
  configureApp() {
    return this.tenant.can('settings.manage')
  }
}
