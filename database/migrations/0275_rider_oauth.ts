import { BaseSchema } from '@adonisjs/lucid/schema'
import { enableTenantIsolation } from '#database/tenant_isolation'

/**
 * Rider sign-in with WeChat or Alipay (issue 17). A rider who first signs
 * in that way has no phone yet: riders.phone becomes nullable, and such a
 * guest is shown as 游客NNNN by a short number unique in the tenant
 * (riders.guest_no) until a phone is bound. rider_oauth_apps holds each
 * tenant's official account (AppID + AppSecret) and Alipay app (app id,
 * application private key, Alipay public key); the secret is encrypted by
 * the app key, never in clear.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('riders', (table) => {
      table.string('phone', 20).nullable().alter()
      table.integer('guest_no').nullable()
      table.unique(['tenant_id', 'guest_no'])
    })

    this.schema.createTable('rider_oauth_apps', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.enum('provider', ['wechat', 'alipay']).notNullable()
      table.string('app_id', 64).notNullable()
      // WeChat: the AppSecret; Alipay: the application private key.
      table.text('secret_encrypted').notNullable()
      // Alipay only: the key its answers are checked against.
      table.text('alipay_public_key').nullable()
      table.boolean('enabled').notNullable().defaultTo(true)
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['tenant_id', 'provider'])
    })
    this.defer((db) => enableTenantIsolation(db, 'rider_oauth_apps'))
  }

  async down() {
    this.schema.dropTable('rider_oauth_apps')
    // Guests get a placeholder phone back: the column cannot be NOT NULL with them otherwise.
    this.schema.raw(`UPDATE riders SET phone = 'guest-' || id WHERE phone IS NULL`)
    this.schema.alterTable('riders', (table) => {
      table.dropUnique(['tenant_id', 'guest_no'])
      table.dropColumn('guest_no')
      table.string('phone', 20).notNullable().alter()
    })
  }
}
