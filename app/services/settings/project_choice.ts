import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Project from '#models/project'
import type TenantContext from '#core/tenancy/tenant_context'

/** The projects a staff member manages: where a settings row (套餐, 充值套餐) may belong. */
export function manageableProjects(tenant: TenantContext, trx: TransactionClientContract) {
  return tenant.limitToProjects(tenant.query(Project, trx), 'id')
}

/** The active ones, as a settings form's 项目 choice. */
export function projectOptions(tenant: TenantContext, trx: TransactionClientContract) {
  return manageableProjects(tenant, trx)
    .where('status', 'active')
    .orderBy('id')
    .select('id', 'name')
}
