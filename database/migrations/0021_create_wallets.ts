import { BaseSchema } from '@adonisjs/lucid/schema'
import { enableTenantIsolation } from '#database/tenant_isolation'

/**
 * One wallet per rider: real money and bonus money in integer fen. Only
 * WalletService changes the balances, together with the ledger entries
 * that explain them. The real balance may be negative down to a project's
 * overdraft limit; the bonus balance never.
 */
export default class extends BaseSchema {
  protected tableName = 'wallets'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table
        .bigInteger('rider_id')
        .notNullable()
        .unique()
        .references('riders.id')
        .onDelete('RESTRICT')
      table.bigInteger('real_balance').notNullable().defaultTo(0)
      table.bigInteger('bonus_balance').notNullable().defaultTo(0)
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(this.now())
      table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(this.now())
      table.check('bonus_balance >= 0')
    })
    this.defer((db) => enableTenantIsolation(db, this.tableName))
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
