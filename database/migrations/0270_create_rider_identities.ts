import { BaseSchema } from '@adonisjs/lucid/schema'
import { enableTenantIsolation } from '#database/tenant_isolation'

/**
 * rider_identities: the WeChat official-account openid or the Alipay
 * user id a rider signed in with at the H5 (OAuth inside the app). One
 * account of one app belongs to one rider of the tenant; a rider may hold
 * several (WeChat and Alipay, or two official accounts). Paying in-app
 * (JSAPI, Alipay buyer id) and WeChat messages to the rider read it.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('rider_identities', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('rider_id').notNullable().references('riders.id').onDelete('CASCADE')
      table.enum('provider', ['wechat', 'alipay']).notNullable()
      // The official account's appid (WeChat) or the Alipay app id the subject belongs to.
      table.string('app_id', 64).notNullable()
      // WeChat: the openid under app_id; Alipay: the user id (or open_id).
      table.string('subject', 128).notNullable()
      table.string('union_id', 128).nullable()
      table.timestamp('last_sign_in_at', { useTz: true }).notNullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['tenant_id', 'provider', 'app_id', 'subject'])
      table.index(['tenant_id', 'rider_id'])
    })
    this.defer((db) => enableTenantIsolation(db, 'rider_identities'))
  }

  async down() {
    this.schema.dropTable('rider_identities')
  }
}
