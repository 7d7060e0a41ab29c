import { BaseSchema } from '@adonisjs/lucid/schema'
import { enableTenantIsolation } from '#database/tenant_isolation'

/**
 * SMS verification codes a tenant sent to phones (opening an account, ...).
 * Only an HMAC of the code is kept; the rows also count sends for the
 * per-phone limits.
 */
export default class extends BaseSchema {
  protected tableName = 'sms_verification_codes'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.string('phone', 20).notNullable()
      table.string('purpose', 32).notNullable()
      table.string('code_hash', 64).notNullable()
      table.string('plugin_id', 64).notNullable()
      // pending: being sent; failed sends do not count toward the limits.
      table.enum('status', ['pending', 'sent', 'failed']).notNullable()
      table.string('provider_message_id', 128).nullable()
      table.string('failure', 500).nullable()
      table.smallint('attempts').notNullable().defaultTo(0)
      table.timestamp('expires_at', { useTz: true }).notNullable()
      table.timestamp('consumed_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.index(['tenant_id', 'phone', 'created_at'])
    })
    this.defer((db) => enableTenantIsolation(db, this.tableName))
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
