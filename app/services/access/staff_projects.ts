import TenantContext from '#services/tenancy/tenant_context'

/** Which projects a staff member is limited to; none listed means all. */
export default class StaffProjects {
  async limitsOf(tenantId: number, staffId: number): Promise<number[] | null> {
    const rows = await new TenantContext(tenantId).run((trx) =>
      trx.from('staff_projects').where('staff_id', staffId).select('project_id')
    )
    return rows.length === 0 ? null : rows.map((row) => Number(row.project_id))
  }
}
