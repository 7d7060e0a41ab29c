import { BaseSchema } from '@adonisjs/lucid/schema'
import { enableTenantIsolation } from '#database/tenant_isolation'

const SSO_TENANT_TABLES = ['tenant_sso_providers', 'staff_identities']

/**
 * Staff single sign-on: each tenant enables DingTalk or WeCom with its own
 * app credentials (the secret encrypted by the app), and an admin links a
 * staff member to the external account that may sign in as them.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('tenant_sso_providers', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.enum('provider', ['dingtalk', 'wecom']).notNullable()
      // DingTalk: the app's Client ID (AppKey); WeCom: the CorpID.
      table.string('client_id', 128).notNullable()
      // WeCom only: the AgentId of the self-built app.
      table.string('agent_id', 64).nullable()
      table.text('client_secret_encrypted').notNullable()
      table.boolean('enabled').notNullable().defaultTo(true)
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['tenant_id', 'provider'])
    })

    this.schema.createTable('staff_identities', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('staff_id').notNullable().references('staff.id').onDelete('CASCADE')
      table.enum('provider', ['dingtalk', 'wecom']).notNullable()
      // DingTalk: the unionId; WeCom: the userid within the corp.
      table.string('external_id', 128).notNullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['tenant_id', 'provider', 'external_id'])
      // One external account per staff member and provider.
      table.unique(['tenant_id', 'provider', 'staff_id'])
    })

    this.defer(async (db) => {
      for (const table of SSO_TENANT_TABLES) {
        await enableTenantIsolation(db, table)
      }
    })
  }

  async down() {
    this.schema.dropTable('staff_identities')
    this.schema.dropTable('tenant_sso_providers')
  }
}
