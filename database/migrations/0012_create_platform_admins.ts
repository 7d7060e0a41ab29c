import { BaseSchema } from '@adonisjs/lucid/schema'
import env from '#start/env'
import { appRoleName } from '#database/tenant_isolation'

/**
 * Platform admins run the platform console; they belong to no tenant. Their
 * rows are read and written only through the owner connection, so the app
 * role (which tenant requests run as) gets no right on the table at all.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('platform_admins', (table) => {
      table.bigIncrements('id')
      table.string('account', 64).notNullable().unique()
      table.string('name', 64).notNullable()
      table.string('password', 255).notNullable()
      table.enum('status', ['active', 'disabled']).notNullable().defaultTo('active')
      table.timestamp('last_login_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
    })

    const appRole = appRoleName(env.get('DATABASE_URL'), env.get('DB_USER'))
    this.defer(async (db) => {
      const { rows } = await db.rawQuery('SELECT current_user AS owner')
      // The default privileges of migration 0006 granted the app role rights on this new table.
      if (appRole && appRole !== rows[0].owner) {
        await db.rawQuery(`REVOKE ALL ON platform_admins FROM ${appRole}`)
        await db.rawQuery(`REVOKE ALL ON SEQUENCE platform_admins_id_seq FROM ${appRole}`)
      }
    })
  }

  async down() {
    this.schema.dropTable('platform_admins')
  }
}
