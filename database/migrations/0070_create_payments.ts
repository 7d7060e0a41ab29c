import { BaseSchema } from '@adonisjs/lucid/schema'
import { enableTenantIsolation } from '#database/tenant_isolation'

/**
 * Payment orders and their refunds. An order moves created → pending →
 * paid | closed | failed, guarded in SQL (`WHERE status = ...`), and only
 * the pending → paid transition credits, in the same transaction as the
 * ledger posting. A payment that lands on a closed order is kept
 * (late_paid_at) and refunded, never lost.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('payment_orders', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('project_id').notNullable().references('projects.id').onDelete('RESTRICT')
      table.bigInteger('rider_id').nullable().references('riders.id').onDelete('RESTRICT')
      // out_trade_no at the provider.
      table.string('payment_no', 32).notNullable().unique()
      table.bigInteger('tenant_plugin_id').notNullable().references('tenant_plugins.id')
      table.string('plugin_id', 64).notNullable()
      table.string('merchant_id', 64).notNullable()
      table.string('app_id', 64).nullable()
      table.enum('purpose', ['topup', 'card_fee']).notNullable()
      table.jsonb('purpose_data').notNullable().defaultTo('{}')
      table.bigInteger('amount').notNullable()
      table.bigInteger('bonus_amount').notNullable().defaultTo(0)
      table
        .enum('status', ['created', 'pending', 'paid', 'closed', 'failed'])
        .notNullable()
        .defaultTo('created')
      table.text('code_url').nullable()
      table.string('provider_trade_no', 64).nullable()
      // The provider's answers and notifications, by step.
      table.jsonb('provider_data').notNullable().defaultTo('{}')
      table.string('failure', 255).nullable()
      // The page's key for this request: a double click opens one order.
      table.string('idempotency_key', 128).notNullable()
      table.bigInteger('operator_staff_id').nullable()
      table.bigInteger('refunded_amount').notNullable().defaultTo(0)
      table.timestamp('expires_at', { useTz: true }).notNullable()
      table.timestamp('paid_at', { useTz: true }).nullable()
      table.timestamp('closed_at', { useTz: true }).nullable()
      table.timestamp('notified_at', { useTz: true }).nullable()
      table.timestamp('late_paid_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['tenant_id', 'idempotency_key'])
      table.check('amount > 0 AND bonus_amount >= 0')
      table.check('refunded_amount >= 0 AND refunded_amount <= amount')
      table.index(['tenant_id', 'rider_id', 'id'])
      table.index(['tenant_id', 'paid_at'])
    })
    // What the follow-up jobs scan: open orders only.
    this.schema.raw(
      `CREATE INDEX payment_orders_open ON payment_orders (expires_at) WHERE status IN ('created', 'pending')`
    )

    this.schema.createTable('payment_refunds', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('project_id').notNullable().references('projects.id').onDelete('RESTRICT')
      table
        .bigInteger('payment_order_id')
        .notNullable()
        .references('payment_orders.id')
        .onDelete('RESTRICT')
      // out_refund_no at the provider: the same on every retry.
      table.string('refund_no', 64).notNullable().unique()
      table.bigInteger('amount').notNullable()
      table.enum('cause', ['rider_refund', 'late_payment', 'unfulfilled']).notNullable()
      table.enum('status', ['pending', 'succeeded', 'failed']).notNullable().defaultTo('pending')
      table.string('reason', 255).notNullable()
      table.string('provider_refund_no', 64).nullable()
      table.jsonb('provider_data').notNullable().defaultTo('{}')
      table.integer('attempts').notNullable().defaultTo(0)
      table.string('failure', 255).nullable()
      table.bigInteger('ledger_entry_id').nullable().references('ledger_entries.id')
      table.bigInteger('operator_staff_id').nullable()
      table.timestamp('settled_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.check('amount > 0')
      table.index(['tenant_id', 'payment_order_id'])
    })

    this.schema.createTable('reconciliation_runs', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('tenant_plugin_id').notNullable().references('tenant_plugins.id')
      table.string('plugin_id', 64).notNullable()
      table.date('bill_date').notNullable()
      table.enum('status', ['matched', 'differences', 'failed']).notNullable()
      table.integer('bill_rows').notNullable().defaultTo(0)
      table.integer('our_rows').notNullable().defaultTo(0)
      table.string('failure', 255).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['tenant_id', 'tenant_plugin_id', 'bill_date'])
    })

    this.schema.createTable('reconciliation_differences', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table
        .bigInteger('reconciliation_run_id')
        .notNullable()
        .references('reconciliation_runs.id')
        .onDelete('CASCADE')
      table.enum('kind', ['missing_ours', 'missing_theirs', 'amount_mismatch']).notNullable()
      table.enum('row_kind', ['payment', 'refund']).notNullable()
      table.string('payment_no', 64).notNullable()
      table.string('refund_no', 64).nullable()
      table.bigInteger('our_amount').nullable()
      table.bigInteger('their_amount').nullable()
      table.index(['tenant_id', 'reconciliation_run_id'])
    })

    this.defer(async (db) => {
      for (const name of [
        'payment_orders',
        'payment_refunds',
        'reconciliation_runs',
        'reconciliation_differences',
      ]) {
        await enableTenantIsolation(db, name)
      }
    })
  }

  async down() {
    this.schema.dropTable('reconciliation_differences')
    this.schema.dropTable('reconciliation_runs')
    this.schema.dropTable('payment_refunds')
    this.schema.dropTable('payment_orders')
  }
}
