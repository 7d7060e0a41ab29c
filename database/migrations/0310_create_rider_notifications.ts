import { BaseSchema } from '@adonisjs/lucid/schema'
import { enableTenantIsolation } from '#database/tenant_isolation'

/**
 * rider_notifications: each message a rider is sent about a charge or the
 * wallet (charge started, finished with the bill, stopped abnormally, low
 * balance), by WeChat template message or SMS. One per order and kind, so
 * a re-settled order or a retried job sends once; the error code is the
 * provider's code, never its text. tenants.low_balance_notice_fen: the
 * available balance under which a settlement tells the rider (¥2.00).
 * tenant_plugins may hold `notify` plugins.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('rider_notifications', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('rider_id').notNullable().references('riders.id').onDelete('CASCADE')
      table
        .enum('kind', ['charge_started', 'charge_finished', 'charge_abnormal', 'low_balance'])
        .notNullable()
      table.enum('channel', ['wechat', 'sms']).notNullable()
      // The order the message is about; low balance: the settlement that crossed the threshold.
      table.string('order_no', 32).notNullable()
      table.jsonb('fields').notNullable()
      table.enum('status', ['pending', 'sent', 'failed']).notNullable().defaultTo('pending')
      table.integer('attempts').notNullable().defaultTo(0)
      table.string('error_code', 64).nullable()
      table.string('provider_message_id', 128).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('sent_at', { useTz: true }).nullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['tenant_id', 'order_no', 'kind'])
      table.index(['tenant_id', 'rider_id', 'created_at'])
    })
    this.defer((db) => enableTenantIsolation(db, 'rider_notifications'))
    this.schema.alterTable('tenants', (table) => {
      table.integer('low_balance_notice_fen').notNullable().defaultTo(200)
    })
    // The new plugin kind may be stored as a tenant's setting.
    this.schema.raw(`ALTER TABLE tenant_plugins DROP CONSTRAINT tenant_plugins_kind_check,
      ADD CONSTRAINT tenant_plugins_kind_check
      CHECK (kind IN ('vendor', 'payment', 'sms', 'notify'))`)
  }

  async down() {
    this.schema.raw(`DELETE FROM tenant_plugins WHERE kind = 'notify'`)
    this.schema.raw(`ALTER TABLE tenant_plugins DROP CONSTRAINT tenant_plugins_kind_check,
      ADD CONSTRAINT tenant_plugins_kind_check CHECK (kind IN ('vendor', 'payment', 'sms'))`)
    this.schema.alterTable('tenants', (table) => {
      table.dropColumn('low_balance_notice_fen')
    })
    this.schema.dropTable('rider_notifications')
  }
}
