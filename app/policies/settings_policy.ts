import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import TenantContext from '#services/tenancy/tenant_context'

/** Tenant settings (配置): projects, packages, tariffs, payment providers. */
@inject()
export default class SettingsPolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  manage() {
    return this.tenant.can('settings.manage')
  }
}
