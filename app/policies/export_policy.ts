import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import { REPORT_PERMISSIONS, type ReportKind } from '#services/finance/exports/report_permissions'
import TenantContext from '#core/tenancy/tenant_context'
import { EXPORT_PERMISSIONS } from '#core/access/permissions'

/** 下载中心: starting, following, retrying and downloading exports. */
@inject()
export default class ExportPolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  /** 下载中心 opens to anyone who may export some list; they see only those lists' exports. */
  export() {
    return EXPORT_PERMISSIONS.some((permission) => this.tenant.can(permission))
  }

  /** Following and downloading exports: also an owner account, its own statements (ExportService). */
  follow() {
    return this.export() || this.tenant.can('owners.export')
  }

  /** Starting an export of one report kind: the permission its registry entry names. */
  exportReport(_user: unknown, kind: ReportKind) {
    return this.tenant.can(REPORT_PERMISSIONS[kind])
  }
}
