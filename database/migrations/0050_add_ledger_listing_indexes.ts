import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The 账户流水 page reads newest first and pages by (occurred_at, id). These
 * indexes serve that order for the whole tenant, one rider (phone and name
 * filters), one project (project filter, staff limited to projects) and one
 * detail type (a rare type must not scan the whole ledger), so a page is an
 * index range scan whatever the size of the ledger. The plain
 * (tenant_id, occurred_at) index of 0022 is a prefix of the first one.
 */
export default class extends BaseSchema {
  protected tableName = 'ledger_entries'

  async up() {
    this.schema.raw(
      `CREATE INDEX ledger_entries_tenant_time_index
         ON ledger_entries (tenant_id, occurred_at DESC, id DESC)`
    )
    this.schema.raw(
      `CREATE INDEX ledger_entries_tenant_rider_time_index
         ON ledger_entries (tenant_id, rider_id, occurred_at DESC, id DESC)`
    )
    this.schema.raw(
      `CREATE INDEX ledger_entries_tenant_project_time_index
         ON ledger_entries (tenant_id, project_id, occurred_at DESC, id DESC)`
    )
    this.schema.raw(
      `CREATE INDEX ledger_entries_tenant_type_time_index
         ON ledger_entries (tenant_id, detail_type, occurred_at DESC, id DESC)`
    )
    this.schema.raw('DROP INDEX ledger_entries_tenant_id_occurred_at_index')
  }

  async down() {
    this.schema.raw(
      'CREATE INDEX ledger_entries_tenant_id_occurred_at_index ON ledger_entries (tenant_id, occurred_at)'
    )
    this.schema.raw('DROP INDEX ledger_entries_tenant_type_time_index')
    this.schema.raw('DROP INDEX ledger_entries_tenant_project_time_index')
    this.schema.raw('DROP INDEX ledger_entries_tenant_rider_time_index')
    this.schema.raw('DROP INDEX ledger_entries_tenant_time_index')
  }
}
