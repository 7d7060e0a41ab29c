import { BaseSchema } from '@adonisjs/lucid/schema'
import { enableTenantIsolation } from '#database/tenant_isolation'

/**
 * Wallet holds (冻结): the cap a wallet-paid order may bill, reserved when it
 * opens so two orders of one rider cannot both spend the same money. One
 * row per order; open until settlement turns it into the deduction
 * (settled) or another end of the order frees it (released). A hold is not
 * a balance change, so it has no ledger entry: available = balance − open
 * holds, split into real and bonus money as the settlement would take it.
 */
export default class extends BaseSchema {
  protected tableName = 'wallet_holds'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('project_id').notNullable().references('projects.id').onDelete('RESTRICT')
      table.bigInteger('wallet_id').notNullable().references('wallets.id').onDelete('RESTRICT')
      table.bigInteger('rider_id').notNullable().references('riders.id').onDelete('RESTRICT')
      table
        .bigInteger('order_id')
        .notNullable()
        .unique()
        .references('charging_orders.id')
        .onDelete('RESTRICT')
      table.bigInteger('real_fen').notNullable()
      table.bigInteger('bonus_fen').notNullable()
      table.string('status', 16).notNullable().defaultTo('open')
      /** What the settlement deducted (0 when the order billed nothing). */
      table.bigInteger('settled_fen').nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('settled_at', { useTz: true }).nullable()
      table.timestamp('released_at', { useTz: true }).nullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
    })
    this.schema.raw(
      `ALTER TABLE wallet_holds
         ADD CONSTRAINT wallet_holds_status CHECK (status IN ('open', 'settled', 'released')),
         ADD CONSTRAINT wallet_holds_amounts CHECK (real_fen >= 0 AND bonus_fen >= 0 AND real_fen + bonus_fen > 0)`
    )
    this.schema.raw(
      `CREATE INDEX wallet_holds_open_by_rider ON wallet_holds (tenant_id, rider_id) WHERE status = 'open'`
    )
    this.defer((db) => enableTenantIsolation(db, this.tableName))
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
