import { BaseSchema } from '@adonisjs/lucid/schema'
import { enableTenantIsolation } from '#database/tenant_isolation'

/**
 * The plugins a tenant enabled, for the whole tenant (project_id null) or
 * one project, with its config: plain settings as JSON, the fields the
 * plugin declares secret encrypted with the app key.
 */
export default class extends BaseSchema {
  protected tableName = 'tenant_plugins'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('project_id').nullable().references('projects.id').onDelete('CASCADE')
      table.string('plugin_id', 64).notNullable()
      table.enum('kind', ['vendor', 'payment', 'sms']).notNullable()
      table.jsonb('settings').notNullable().defaultTo('{}')
      table.text('secrets_encrypted').nullable()
      table.boolean('enabled').notNullable().defaultTo(true)
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
    })
    this.defer(async (db) => {
      await db.rawQuery(
        `CREATE UNIQUE INDEX tenant_plugins_tenant_wide_unique ON tenant_plugins (tenant_id, plugin_id)
           WHERE project_id IS NULL`
      )
      await db.rawQuery(
        `CREATE UNIQUE INDEX tenant_plugins_project_unique ON tenant_plugins (tenant_id, project_id, plugin_id)
           WHERE project_id IS NOT NULL`
      )
      await enableTenantIsolation(db, this.tableName)
    })
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
