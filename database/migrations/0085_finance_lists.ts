import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * 财务 → 收款记录, 退款记录, 对账.
 *
 * The lists read newest first and page by keyset on (created_at, id), so
 * each filter that may select few rows out of a million gets an index in
 * that order: a page is then an index range scan, not a scan of the tenant.
 *
 * A refund that failed at the provider after the rider's wallet was already
 * debited is paid back in cash by staff; settled_offline_* record that (the
 * ledger is not touched: the wallet was debited when the refund was made).
 */
export default class extends BaseSchema {
  async up() {
    for (const [name, columns] of [
      ['payment_orders_tenant_created', 'tenant_id, created_at DESC, id DESC'],
      ['payment_orders_tenant_rider_created', 'tenant_id, rider_id, created_at DESC, id DESC'],
      ['payment_orders_tenant_project_created', 'tenant_id, project_id, created_at DESC, id DESC'],
      ['payment_orders_tenant_status_created', 'tenant_id, status, created_at DESC, id DESC'],
      ['payment_orders_tenant_plugin_created', 'tenant_id, plugin_id, created_at DESC, id DESC'],
      ['payment_orders_tenant_purpose_created', 'tenant_id, purpose, created_at DESC, id DESC'],
    ]) {
      this.schema.raw(`CREATE INDEX ${name} ON payment_orders (${columns})`)
    }

    this.schema.alterTable('payment_refunds', (table) => {
      table.timestamp('settled_offline_at', { useTz: true }).nullable()
      table.bigInteger('settled_offline_by').nullable().references('staff.id')
    })
    this.schema.raw(
      `CREATE INDEX payment_refunds_tenant_created ON payment_refunds (tenant_id, created_at DESC, id DESC)`
    )
    this.schema.raw(
      `CREATE INDEX payment_refunds_tenant_status_created
         ON payment_refunds (tenant_id, status, created_at DESC, id DESC)`
    )
    this.schema.raw(
      `CREATE INDEX payment_refunds_tenant_cause_created
         ON payment_refunds (tenant_id, cause, created_at DESC, id DESC)`
    )
    // The banner's count: refunds owed to riders in cash, a handful at most.
    this.schema.raw(
      `CREATE INDEX payment_refunds_awaiting_cash ON payment_refunds (tenant_id, project_id)
         WHERE status = 'failed' AND ledger_entry_id IS NOT NULL AND settled_offline_at IS NULL`
    )

    this.schema.raw(
      `CREATE INDEX reconciliation_runs_tenant_date
         ON reconciliation_runs (tenant_id, bill_date DESC, id DESC)`
    )
  }

  async down() {
    this.schema.raw('DROP INDEX reconciliation_runs_tenant_date')
    this.schema.raw('DROP INDEX payment_refunds_awaiting_cash')
    this.schema.raw('DROP INDEX payment_refunds_tenant_cause_created')
    this.schema.raw('DROP INDEX payment_refunds_tenant_status_created')
    this.schema.raw('DROP INDEX payment_refunds_tenant_created')
    this.schema.alterTable('payment_refunds', (table) => {
      table.dropColumn('settled_offline_by')
      table.dropColumn('settled_offline_at')
    })
    for (const name of [
      'payment_orders_tenant_purpose_created',
      'payment_orders_tenant_plugin_created',
      'payment_orders_tenant_status_created',
      'payment_orders_tenant_project_created',
      'payment_orders_tenant_rider_created',
      'payment_orders_tenant_created',
    ]) {
      this.schema.raw(`DROP INDEX ${name}`)
    }
  }
}
