import { BaseSchema } from '@adonisjs/lucid/schema'
import env from '#start/env'
import { appRoleName, enableTenantIsolation } from '#database/tenant_isolation'

/**
 * The device registry (运维): vendors, stations under projects, piles under
 * stations, their ports, and the commands staff send them.
 *
 * A pile is known platform-wide by (plugin_id, device_key): the gateway
 * finds it from its login frame before any tenant is known, so that pair is
 * unique across all tenants (the index sees every row, whatever RLS hides).
 *
 * A pile nobody registered that logs in waits in `pending_piles`, a platform
 * table without tenant_id that only the owner role reads and writes: the
 * tenant tables keep `tenant_id NOT NULL` and their RLS wall. Staff claim a
 * waiting pile by its device key, which moves it into `piles`.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('vendors', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.string('name', 64).notNullable()
      // A vendor plugin's id; plugins that do not exist yet are allowed.
      table.string('plugin_id', 64).notNullable()
      table.string('contact', 128).nullable()
      table.string('note', 500).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['tenant_id', 'name'])
      // Target of the piles' (vendor_id, plugin_id) key: a pile speaks its vendor's protocol.
      table.unique(['id', 'plugin_id'])
    })

    this.schema.createTable('stations', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('project_id').notNullable().references('projects.id').onDelete('RESTRICT')
      table.string('name', 64).notNullable()
      table.string('address', 255).nullable()
      table.decimal('latitude', 9, 6).nullable()
      table.decimal('longitude', 9, 6).nullable()
      table.enum('status', ['active', 'disabled']).notNullable().defaultTo('active')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['tenant_id', 'project_id', 'name'])
      // Target of the piles' (station_id, project_id) key: a pile is in its station's project.
      table.unique(['id', 'project_id'])
      table.check('(latitude IS NULL) = (longitude IS NULL)', [], 'stations_coordinates_check')
    })

    this.schema.createTable('piles', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('project_id').notNullable().references('projects.id').onDelete('RESTRICT')
      table.bigInteger('station_id').notNullable()
      table.bigInteger('vendor_id').notNullable()
      table.string('plugin_id', 64).notNullable()
      // Normalised per plugin: see app/services/operations/device_keys.ts.
      table.string('device_key', 64).notNullable()
      table.string('name', 64).notNullable()
      table.integer('port_count').notNullable()
      table.string('firmware', 64).nullable()
      table.string('iccid', 32).nullable()
      table.string('protocol_version', 32).nullable()
      table.enum('status', ['active', 'disabled']).notNullable().defaultTo('active')
      table.boolean('online').notNullable().defaultTo(false)
      table.integer('heartbeat_interval_seconds').notNullable().defaultTo(180)
      table.timestamp('last_heartbeat_at', { useTz: true }).nullable()
      table.string('last_seen_ip', 64).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['plugin_id', 'device_key'])
      table
        .foreign(['station_id', 'project_id'])
        .references(['id', 'project_id'])
        .inTable('stations')
        .onDelete('RESTRICT')
      table
        .foreign(['vendor_id', 'plugin_id'])
        .references(['id', 'plugin_id'])
        .inTable('vendors')
        .onDelete('RESTRICT')
      table.check('port_count BETWEEN 1 AND 64')
      table.check('heartbeat_interval_seconds BETWEEN 10 AND 3600')
      table.index(['tenant_id', 'station_id'])
      table.index(['tenant_id', 'project_id', 'id'])
    })
    // What the offline sweep scans: piles believed online.
    this.schema.raw(`CREATE INDEX piles_online ON piles (last_heartbeat_at) WHERE online`)

    this.schema.createTable('pile_ports', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('pile_id').notNullable().references('piles.id').onDelete('CASCADE')
      table.integer('port_no').notNullable()
      table
        .enum('state', ['idle', 'charging', 'plugged', 'full', 'fault', 'offline'])
        .notNullable()
        .defaultTo('offline')
      table.integer('current_power_deciwatts').notNullable().defaultTo(0)
      table.string('fault_code', 32).nullable()
      // The charging order on the port, kept through offline spells (the charging work sets it).
      table.string('current_order_no', 32).nullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['pile_id', 'port_no'])
      table.check('port_no >= 1')
      table.check('current_power_deciwatts >= 0')
    })

    this.schema.createTable('device_commands', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('project_id').notNullable().references('projects.id').onDelete('RESTRICT')
      table.bigInteger('pile_id').notNullable().references('piles.id').onDelete('RESTRICT')
      table.integer('port_no').nullable()
      table.enum('command', ['stop', 'reboot', 'set_parameters']).notNullable()
      table.jsonb('parameters').notNullable().defaultTo('{}')
      // No foreign key: removing a staff member must not rewrite history.
      table.bigInteger('requested_by_staff_id').nullable()
      table
        .enum('status', ['pending', 'sent', 'acked', 'failed', 'timeout'])
        .notNullable()
        .defaultTo('pending')
      table.jsonb('result').nullable()
      table.timestamp('sent_at', { useTz: true }).nullable()
      table.timestamp('finished_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['tenant_id', 'pile_id', 'id'])
    })
    // What the gateway picks up: commands not sent yet.
    this.schema.raw(
      `CREATE INDEX device_commands_pending ON device_commands (id) WHERE status = 'pending'`
    )

    this.schema.createTable('pending_piles', (table) => {
      table.bigIncrements('id')
      table.string('plugin_id', 64).notNullable()
      table.string('device_key', 64).notNullable()
      table.integer('port_count').nullable()
      table.string('firmware', 64).nullable()
      table.string('iccid', 32).nullable()
      table.string('protocol_version', 32).nullable()
      table.string('last_seen_ip', 64).nullable()
      table.timestamp('first_seen_at', { useTz: true }).notNullable()
      table.timestamp('last_seen_at', { useTz: true }).notNullable()
      table.unique(['plugin_id', 'device_key'])
    })

    const appRole = appRoleName(env.get('DATABASE_URL'), env.get('DB_USER'))
    this.defer(async (db) => {
      for (const name of ['vendors', 'stations', 'piles', 'pile_ports', 'device_commands']) {
        await enableTenantIsolation(db, name)
      }
      const { rows } = await db.rawQuery('SELECT current_user AS owner')
      // The default privileges of migration 0006 granted the app role rights on this platform table.
      if (appRole && appRole !== rows[0].owner) {
        await db.rawQuery(`REVOKE ALL ON pending_piles FROM ${appRole}`)
        await db.rawQuery(`REVOKE ALL ON SEQUENCE pending_piles_id_seq FROM ${appRole}`)
      }
    })
  }

  async down() {
    this.schema.dropTable('pending_piles')
    this.schema.dropTable('device_commands')
    this.schema.dropTable('pile_ports')
    this.schema.dropTable('piles')
    this.schema.dropTable('stations')
    this.schema.dropTable('vendors')
  }
}
