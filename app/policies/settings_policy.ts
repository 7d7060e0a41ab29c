import { inject } from '@adonisjs/core'
import { BasePolicy } from '@adonisjs/bouncer'
import type Staff from '#models/staff'
import TenantContext from '#core/tenancy/tenant_context'

/** Tenant settings (配置): projects, packages, tariffs, payment providers. */
@inject()
export default class SettingsPolicy extends BasePolicy {
  constructor(protected tenant: TenantContext) {
    super()
  }

  manage() {
    return this.tenant.can('settings.manage')
  }

  /**
   * A setting of one scope (a project, or null: the whole tenant). Staff
   * limited to projects change only their projects' own settings, never
   * the tenant-wide ones every project falls back to.
   */
  manageScope(_staff: Staff, projectId: number | null) {
    if (!this.tenant.can('settings.manage')) return false
    return projectId === null
      ? this.tenant.projectIds === null
      : this.tenant.canSeeProject(projectId)
  }
}
