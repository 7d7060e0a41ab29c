import { BaseSchema } from '@adonisjs/lucid/schema'
import { enableTenantIsolation } from '#database/tenant_isolation'

/** Riders (用户): identified by phone within a tenant. */
export default class extends BaseSchema {
  protected tableName = 'riders'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.string('name', 64).notNullable()
      table.string('phone', 20).notNullable()
      table.enum('status', ['normal', 'frozen']).notNullable().defaultTo('normal')
      table.enum('source', ['online', 'offline']).notNullable()
      table.timestamp('registered_at', { useTz: true }).notNullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['tenant_id', 'phone'])
    })
    this.defer((db) => enableTenantIsolation(db, this.tableName))
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
