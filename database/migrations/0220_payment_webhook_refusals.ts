import { BaseSchema } from '@adonisjs/lucid/schema'
import { enableTenantIsolation } from '#database/tenant_isolation'

/**
 * Notifications refused before they were trusted (bad signature, unreadable
 * body), counted per setting and hour: one row per window however many
 * arrive, instead of an audit record (and the tenant's audit-chain lock) each.
 */
export default class extends BaseSchema {
  protected tableName = 'payment_webhook_refusals'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table
        .bigInteger('tenant_plugin_id')
        .notNullable()
        .references('tenant_plugins.id')
        .onDelete('CASCADE')
      table.timestamp('window_start', { useTz: true }).notNullable()
      table.integer('count').notNullable().defaultTo(0)
      table.string('last_problem', 255).notNullable()
      table.timestamp('last_at', { useTz: true }).notNullable()
      table.unique(['tenant_plugin_id', 'window_start'])
      table.index(['tenant_id', 'window_start'])
    })
    this.defer((db) => enableTenantIsolation(db, this.tableName))
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
