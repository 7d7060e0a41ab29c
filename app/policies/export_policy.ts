import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import TenantContext from '#services/tenancy/tenant_context'

/** 下载中心: starting, following, retrying and downloading exports. */
@inject()
export default class ExportPolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  export() {
    return this.tenant.can('finance.export')
  }
}
