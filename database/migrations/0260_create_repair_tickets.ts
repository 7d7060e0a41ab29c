import { BaseSchema } from '@adonisjs/lucid/schema'
import { enableTenantIsolation } from '#database/tenant_isolation'

/**
 * 报修: riders report a faulty port from the H5; staff handle the tickets in
 * 运维 → 报修工单 (assign, close with a note) and may take the port out of
 * service.
 *
 * pile_ports.status: staff's 启用/停用 of one port, as piles and stations
 * have it (`state` stays what the pile reports). A disabled port refuses
 * charges like a disabled pile.
 *
 * repair_tickets: 待处理 (open) → 处理中 (in_progress, once assigned) →
 * 已关闭 (closed). One unclosed ticket per rider and port (the partial
 * unique index), at most five unclosed per rider (the service).
 *
 * repairs.manage joins the built-in roles that run 运维 (and 超级管理员, who
 * holds every permission) in tenants that already exist.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('pile_ports', (table) => {
      table.enum('status', ['active', 'disabled']).notNullable().defaultTo('active')
    })

    this.schema.createTable('repair_tickets', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      // The pile's project: who may see the ticket.
      table.bigInteger('project_id').notNullable().references('projects.id').onDelete('RESTRICT')
      table.bigInteger('pile_id').notNullable().references('piles.id').onDelete('CASCADE')
      table.integer('port_no').notNullable()
      table.bigInteger('rider_id').notNullable().references('riders.id').onDelete('RESTRICT')
      table
        .enum('category', ['no_charge', 'socket_damaged', 'slow_charge', 'scan_failed', 'other'])
        .notNullable()
      table.string('description', 200).nullable()
      table.enum('status', ['open', 'in_progress', 'closed']).notNullable().defaultTo('open')
      table.bigInteger('assignee_staff_id').nullable().references('staff.id').onDelete('SET NULL')
      table.timestamp('assigned_at', { useTz: true }).nullable()
      table.bigInteger('closed_by_staff_id').nullable().references('staff.id').onDelete('SET NULL')
      table.string('close_note', 200).nullable()
      table.timestamp('closed_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.check('port_no >= 1')
      table.index(['tenant_id', 'status', 'created_at'])
      table.index(['tenant_id', 'rider_id', 'created_at'])
    })
    this.schema.raw(
      `CREATE UNIQUE INDEX repair_tickets_one_open_per_port
         ON repair_tickets (rider_id, pile_id, port_no) WHERE status <> 'closed'`
    )
    this.defer(async (db) => {
      await enableTenantIsolation(db, 'repair_tickets')
      await db.rawQuery(
        `INSERT INTO role_permissions (tenant_id, role_id, permission)
         SELECT tenant_id, id, 'repairs.manage' FROM roles
          WHERE builtin_key IN ('super_admin', 'maintenance')
         ON CONFLICT (role_id, permission) DO NOTHING`
      )
    })
  }

  async down() {
    this.defer(async (db) => {
      await db.rawQuery(`DELETE FROM role_permissions WHERE permission = 'repairs.manage'`)
    })
    this.schema.dropTable('repair_tickets')
    this.schema.alterTable('pile_ports', (table) => {
      table.dropColumn('status')
    })
  }
}
