import { BaseSchema } from '@adonisjs/lucid/schema'
import { enableTenantIsolation } from '#database/tenant_isolation'

/**
 * The rider H5 (APP channel).
 *
 * piles.public_code: what the port QR codes carry (/h5/p/<code>/<port>), so
 * no database id or device key is printed on a pile. Ten characters from an
 * alphabet without look-alikes (no 0/o, 1/l/i), drawn by the database for
 * every pile, old and new, whoever inserts it (staff, the gateway claiming a
 * pending pile, the demo seeder). 31^10 codes: a collision is refused by the
 * unique index and the insert simply retried by whoever made it.
 *
 * rider_refund_requests: 申请退款 of the real balance; staff approve or
 * reject them in 财务. At most one pending request per rider.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.raw(`
      CREATE FUNCTION pile_public_code() RETURNS text LANGUAGE sql VOLATILE AS $$
        SELECT string_agg(substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + floor(random() * 31)::int, 1), '')
          FROM generate_series(1, 10)
      $$`)
    this.schema.raw(
      `ALTER TABLE piles ADD COLUMN public_code varchar(16) NOT NULL DEFAULT pile_public_code()`
    )
    this.schema.raw(`CREATE UNIQUE INDEX piles_public_code ON piles (public_code)`)

    this.schema.createTable('rider_refund_requests', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      // The project the rider asked from (the pile's): the refund posts there.
      table.bigInteger('project_id').notNullable().references('projects.id').onDelete('RESTRICT')
      table.bigInteger('rider_id').notNullable().references('riders.id').onDelete('RESTRICT')
      table.bigInteger('amount').notNullable()
      table.string('reason', 200).notNullable()
      table.enum('status', ['pending', 'approved', 'rejected']).notNullable().defaultTo('pending')
      table.bigInteger('decided_by_staff_id').nullable()
      table.string('decision_note', 200).nullable()
      table.timestamp('decided_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.check('amount > 0')
      table.index(['tenant_id', 'status', 'created_at'])
      table.index(['tenant_id', 'rider_id', 'created_at'])
    })
    this.schema.raw(
      `CREATE UNIQUE INDEX rider_refund_requests_one_pending ON rider_refund_requests (rider_id)
         WHERE status = 'pending'`
    )
    this.defer(async (db) => {
      await enableTenantIsolation(db, 'rider_refund_requests')
    })
  }

  async down() {
    this.schema.dropTable('rider_refund_requests')
    this.schema.raw('ALTER TABLE piles DROP COLUMN public_code')
    this.schema.raw('DROP FUNCTION pile_public_code()')
  }
}
