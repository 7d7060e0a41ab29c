import { BaseSchema } from '@adonisjs/lucid/schema'
import env from '#start/env'
import { appRoleName } from '#database/tenant_isolation'

/**
 * Several gateways: each running gateway process has a row it beats every
 * few seconds (a row whose beat is too old is a dead gateway's and is
 * removed, its leases with it), and holds a lease on each pile connected
 * to it. A device command is claimed (`claimed_by`) by the gateway holding
 * its pile's lease.
 *
 * Both are platform tables, like pending_piles: a pile is named by (plugin
 * id, device key) as the gateway knows it, before any tenant; only the
 * owner role reads and writes them.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('gateway_instances', (table) => {
      // host:pid:random, so a restarted process never inherits a dead one's leases.
      table.string('id', 128).primary()
      table.string('host', 255).notNullable()
      table.integer('pid').notNullable()
      table.timestamp('started_at', { useTz: true }).notNullable()
      table.timestamp('beat_at', { useTz: true }).notNullable()
    })

    this.schema.createTable('pile_leases', (table) => {
      table.string('plugin_id', 64).notNullable()
      table.string('device_key', 64).notNullable()
      table
        .string('gateway_id', 128)
        .notNullable()
        .references('gateway_instances.id')
        .onDelete('CASCADE')
      table.timestamp('acquired_at', { useTz: true }).notNullable()
      table.primary(['plugin_id', 'device_key'])
      table.index(['gateway_id'])
    })

    this.schema.alterTable('device_commands', (table) => {
      // No foreign key: a gateway's row goes when it stops; the command keeps who sent it.
      table.string('claimed_by', 128).nullable()
    })

    const appRole = appRoleName(env.get('DATABASE_URL'), env.get('DB_USER'))
    this.defer(async (db) => {
      const { rows } = await db.rawQuery('SELECT current_user AS owner')
      // The default privileges of migration 0006 granted the app role rights on these platform tables.
      if (appRole && appRole !== rows[0].owner) {
        await db.rawQuery(`REVOKE ALL ON gateway_instances, pile_leases FROM ${appRole}`)
      }
    })
  }

  async down() {
    this.schema.alterTable('device_commands', (table) => {
      table.dropColumn('claimed_by')
    })
    this.schema.dropTable('pile_leases')
    this.schema.dropTable('gateway_instances')
  }
}
