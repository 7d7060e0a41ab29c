import { BaseSchema } from '@adonisjs/lucid/schema'
import { enableTenantIsolation } from '#database/tenant_isolation'

/**
 * Charging (订单, 配置 → 计费): tariffs per project, charging orders and
 * their meter samples.
 *
 * Tariffs are versioned: saving one inserts the next version of its
 * project; the highest version is in force, and an order copies it.
 *
 * Orders list newest first and page by keyset on (created_at, id), so each
 * filter that may pick few rows out of a million has an index in that
 * order. The gateway finds an order by number, by transaction reference on
 * its pile, or as the open order of a port; the watchdog reads only open
 * orders (partial index).
 *
 * device_commands gains `start` (remote start by the APP or staff).
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('tariffs', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('project_id').notNullable().references('projects.id').onDelete('RESTRICT')
      table.integer('version').notNullable()
      table.jsonb('rules').notNullable()
      table.bigInteger('created_by_staff_id').nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.unique(['tenant_id', 'project_id', 'version'])
    })

    this.schema.createTable('charging_orders', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      // 16 ASCII characters: the DNY order-number field.
      table.string('order_no', 16).notNullable().unique()
      table.bigInteger('project_id').notNullable().references('projects.id').onDelete('RESTRICT')
      table.bigInteger('station_id').notNullable()
      table.bigInteger('pile_id').notNullable().references('piles.id').onDelete('RESTRICT')
      table.integer('port_no').notNullable()
      // Copied at creation, so the list needs no joins and keeps what was true then.
      table.bigInteger('vendor_id').notNullable()
      table.string('vendor_name', 64).notNullable()
      table.string('device_key', 64).notNullable()
      table.bigInteger('rider_id').nullable().references('riders.id').onDelete('RESTRICT')
      table.string('card_no', 32).nullable()
      table.enum('channel', ['card', 'app', 'ble', 'staff']).notNullable()
      table.enum('duration_type', ['hours', 'full', 'amount']).notNullable()
      table.integer('duration_hours').nullable()
      // The most this order may bill: the prepaid amount, the fixed amount, or what the wallet allowed.
      table.bigInteger('cap_fen').nullable()
      table.bigInteger('tariff_id').nullable()
      table.jsonb('tariff').notNullable()
      table
        .enum('status', [
          'authorised',
          'charging',
          'ended',
          'settled',
          'abnormal',
          'cancelled',
          'refunded',
        ])
        .notNullable()
      table
        .enum('abnormal_reason', [
          'no_start',
          'no_end',
          'pile_offline',
          'phantom',
          'settlement_failed',
          'unknown_rider',
        ])
        .nullable()
      table.timestamp('abnormal_at', { useTz: true }).nullable()
      table.string('cancel_reason', 64).nullable()
      table.timestamp('started_at', { useTz: true }).nullable()
      table.timestamp('ended_at', { useTz: true }).nullable()
      table.integer('max_duration_seconds').notNullable()
      table.integer('duration_seconds').notNullable().defaultTo(0)
      table.integer('minutes').notNullable().defaultTo(0)
      table.integer('max_power_deciwatts').notNullable().defaultTo(0)
      table.integer('energy_wh').notNullable().defaultTo(0)
      table.integer('meter_start_wh').nullable()
      table.bigInteger('amount_fen').notNullable().defaultTo(0)
      table.integer('rate_fen_per_hour').nullable()
      table.jsonb('bill').nullable()
      table.string('stop_reason', 32).nullable()
      table.string('raw_stop_code', 32).nullable()
      table.string('transaction_ref', 64).nullable()
      table.integer('sample_count').notNullable().defaultTo(0)
      table.timestamp('last_sample_at', { useTz: true }).nullable()
      // Since when a stop-when-full charge has drawn less than the full threshold.
      table.timestamp('low_power_since', { useTz: true }).nullable()
      table.timestamp('stop_requested_at', { useTz: true }).nullable()
      table.bigInteger('start_command_id').nullable()
      table.bigInteger('ledger_entry_id').nullable()
      table.timestamp('settled_at', { useTz: true }).nullable()
      table.bigInteger('resolved_by_staff_id').nullable()
      table.string('resolution_note', 255).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.check('port_no >= 1')
      table.check('amount_fen >= 0')
      table.check(`status <> 'abnormal' OR abnormal_reason IS NOT NULL`)
    })
    for (const [name, columns] of [
      ['charging_orders_tenant_created', 'tenant_id, created_at DESC, id DESC'],
      ['charging_orders_tenant_rider_created', 'tenant_id, rider_id, created_at DESC, id DESC'],
      ['charging_orders_tenant_project_created', 'tenant_id, project_id, created_at DESC, id DESC'],
      ['charging_orders_tenant_status_created', 'tenant_id, status, created_at DESC, id DESC'],
      ['charging_orders_tenant_pile_created', 'tenant_id, pile_id, created_at DESC, id DESC'],
      ['charging_orders_tenant_card_created', 'tenant_id, card_no, created_at DESC, id DESC'],
      ['charging_orders_tenant_channel_created', 'tenant_id, channel, created_at DESC, id DESC'],
      ['charging_orders_tenant_vendor_created', 'tenant_id, vendor_id, created_at DESC, id DESC'],
    ]) {
      this.schema.raw(`CREATE INDEX ${name} ON charging_orders (${columns})`)
    }
    this.schema.raw(
      `CREATE INDEX charging_orders_open ON charging_orders (pile_id, port_no, id)
         WHERE status IN ('authorised', 'charging', 'ended')`
    )
    this.schema.raw(
      `CREATE INDEX charging_orders_transaction ON charging_orders (pile_id, transaction_ref)
         WHERE transaction_ref IS NOT NULL`
    )

    // Bounded per order (see MAX_SAMPLES in the charging service).
    this.schema.createTable('charging_meter_samples', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table
        .bigInteger('order_id')
        .notNullable()
        .references('charging_orders.id')
        .onDelete('CASCADE')
      table.timestamp('at', { useTz: true }).notNullable()
      table.integer('power_deciwatts').notNullable()
      table.integer('energy_wh').nullable()
      table.index(['order_id', 'at'])
    })

    this.schema.raw('ALTER TABLE device_commands DROP CONSTRAINT device_commands_command_check')
    this.schema.raw(
      `ALTER TABLE device_commands ADD CONSTRAINT device_commands_command_check
         CHECK (command IN ('start', 'stop', 'reboot', 'set_parameters'))`
    )

    this.defer(async (db) => {
      for (const name of ['tariffs', 'charging_orders', 'charging_meter_samples']) {
        await enableTenantIsolation(db, name)
      }
    })
  }

  async down() {
    this.schema.raw(`DELETE FROM device_commands WHERE command = 'start'`)
    this.schema.raw('ALTER TABLE device_commands DROP CONSTRAINT device_commands_command_check')
    this.schema.raw(
      `ALTER TABLE device_commands ADD CONSTRAINT device_commands_command_check
         CHECK (command IN ('stop', 'reboot', 'set_parameters'))`
    )
    this.schema.dropTable('charging_meter_samples')
    this.schema.dropTable('charging_orders')
    this.schema.dropTable('tariffs')
  }
}
