import { BaseSchema } from '@adonisjs/lucid/schema'
import { enableTenantIsolation } from '#database/tenant_isolation'
import { dropInsertOnlyGuard, makeInsertOnly } from '#database/append_only'

/**
 * The account ledger (账户流水): every change of a wallet, append-only.
 * A mistake is undone by a correction entry, never by an edit: the app
 * role keeps SELECT and INSERT only, and a trigger refuses UPDATE, DELETE
 * and TRUNCATE to everyone (as for audit_logs, migration 0010).
 *
 * entry_no is the order number staff read: the charging order's number for
 * settlements when given, otherwise the Shanghai date and a sequence.
 */
export default class extends BaseSchema {
  protected tableName = 'ledger_entries'

  async up() {
    this.schema.raw('CREATE SEQUENCE ledger_entry_no_seq')
    this.schema.createTable(this.tableName, (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('project_id').notNullable().references('projects.id').onDelete('RESTRICT')
      table.bigInteger('wallet_id').notNullable().references('wallets.id').onDelete('RESTRICT')
      table.bigInteger('rider_id').notNullable().references('riders.id').onDelete('RESTRICT')
      table
        .string('entry_no', 40)
        .notNullable()
        .defaultTo(
          this.raw(
            `to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad((nextval('ledger_entry_no_seq') % 100000000)::text, 8, '0')`
          )
        )
      table
        .enum('detail_type', [
          'charge_settlement',
          'counter_topup',
          'qr_topup',
          'bonus_grant',
          'refund',
          'correction',
        ])
        .notNullable()
      table.bigInteger('real_in').notNullable().defaultTo(0)
      table.bigInteger('bonus_in').notNullable().defaultTo(0)
      table.bigInteger('real_out').notNullable().defaultTo(0)
      table.bigInteger('bonus_out').notNullable().defaultTo(0)
      table.bigInteger('real_after').notNullable()
      table.bigInteger('bonus_after').notNullable()
      // No foreign key: removing a staff member must not touch history.
      table.bigInteger('operator_staff_id').nullable()
      table.string('reason', 255).nullable()
      table.string('reference', 64).nullable()
      table.bigInteger('corrects_entry_id').nullable().references('ledger_entries.id')
      table.string('idempotency_key', 128).notNullable()
      table.timestamp('occurred_at', { useTz: true }).notNullable()
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(this.now())
      table.unique(['tenant_id', 'idempotency_key'])
      // An entry is corrected at most once.
      table.unique(['tenant_id', 'corrects_entry_id'])
      table.check('real_in >= 0 AND bonus_in >= 0 AND real_out >= 0 AND bonus_out >= 0')
      table.check('real_in + bonus_in + real_out + bonus_out > 0')
      table.check('bonus_after >= 0')
      table.index(['wallet_id', 'id'])
      table.index(['tenant_id', 'occurred_at'])
      table.index(['tenant_id', 'entry_no'])
    })

    this.defer(async (db) => {
      await makeInsertOnly(db, 'ledger_entries')
      await enableTenantIsolation(db, 'ledger_entries')
    })
  }

  async down() {
    this.schema.dropTable(this.tableName)
    this.schema.raw('DROP SEQUENCE IF EXISTS ledger_entry_no_seq')
    this.defer(async (db) => {
      await dropInsertOnlyGuard(db, 'ledger_entries')
    })
  }
}
