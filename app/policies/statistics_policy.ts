import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import TenantContext from '#core/tenancy/tenant_context'

/** 数据: the charts and their tables (read only). */
@inject()
export default class StatisticsPolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  view() {
    return this.tenant.can('data.view')
  }

  /** A chart's table as a file: exports need finance.export too. */
  export() {
    return this.tenant.can('data.view') && this.tenant.can('finance.export')
  }
}
