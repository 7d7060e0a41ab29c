import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import { REPORTS, type ReportKind } from '#services/finance/exports/report_kinds'
import TenantContext from '#core/tenancy/tenant_context'

/** 下载中心: starting, following, retrying and downloading exports. */
@inject()
export default class ExportPolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  export() {
    return this.tenant.can('finance.export')
  }

  /** Starting an export of one report kind: the permission its registry entry names. */
  exportReport(_user: unknown, kind: ReportKind) {
    return this.tenant.can(REPORTS[kind].permission)
  }
}
