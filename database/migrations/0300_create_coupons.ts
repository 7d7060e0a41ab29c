import { BaseSchema } from '@adonisjs/lucid/schema'
import { enableTenantIsolation } from '#database/tenant_isolation'

/**
 * 优惠券: batches (coupon_batches) staff create for one project, issued by
 * staff or on a rider's first H5 sign-in; each rider's coupon
 * (rider_coupons) is used by at most one settlement, which records it and
 * the discount on the order (charging_orders.rider_coupon_id and
 * coupon_discount_fen; the deduction is amount_fen minus the discount).
 *
 * A coupon is 未使用 (unused) or 已使用 (used); an unused one past its
 * expires_at shows as 已过期 and no settlement takes it.
 *
 * coupons.manage joins the built-in roles that run 用户 and 财务 (and
 * 超级管理员) in tenants that already exist.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('coupon_batches', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('project_id').notNullable().references('projects.id').onDelete('RESTRICT')
      table.string('name', 50).notNullable()
      table.enum('kind', ['amount_off', 'free_hours']).notNullable()
      table.integer('amount_fen').nullable()
      table.integer('free_hours').nullable()
      table.enum('validity', ['fixed', 'days']).notNullable()
      table.timestamp('valid_from', { useTz: true }).nullable()
      table.timestamp('valid_until', { useTz: true }).nullable()
      table.integer('valid_days').nullable()
      table.integer('per_rider_limit').notNullable()
      table.integer('total_count').notNullable()
      table.integer('issued_count').notNullable().defaultTo(0)
      table.enum('issue_rule', ['manual', 'first_sign_in']).notNullable()
      table.enum('status', ['active', 'stopped']).notNullable().defaultTo('active')
      table.bigInteger('created_by_staff_id').nullable().references('staff.id').onDelete('SET NULL')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.check(
        `(kind = 'amount_off' AND amount_fen BETWEEN 1 AND 100000 AND free_hours IS NULL)
         OR (kind = 'free_hours' AND free_hours BETWEEN 1 AND 24 AND amount_fen IS NULL)`
      )
      table.check(
        `(validity = 'fixed' AND valid_from IS NOT NULL AND valid_until > valid_from AND valid_days IS NULL)
         OR (validity = 'days' AND valid_days BETWEEN 1 AND 3650)`
      )
      table.check('per_rider_limit BETWEEN 1 AND 100')
      table.check('total_count BETWEEN 1 AND 1000000')
      table.check('issued_count BETWEEN 0 AND total_count')
      table.index(['tenant_id', 'project_id', 'created_at'])
    })

    this.schema.createTable('rider_coupons', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      // The batch's project, copied: the only orders the coupon applies to.
      table.bigInteger('project_id').notNullable().references('projects.id').onDelete('RESTRICT')
      table
        .bigInteger('batch_id')
        .notNullable()
        .references('coupon_batches.id')
        .onDelete('RESTRICT')
      table.bigInteger('rider_id').notNullable().references('riders.id').onDelete('RESTRICT')
      table.enum('status', ['unused', 'used']).notNullable().defaultTo('unused')
      table.timestamp('issued_at', { useTz: true }).notNullable()
      table.timestamp('valid_from', { useTz: true }).notNullable()
      table.timestamp('expires_at', { useTz: true }).notNullable()
      table.bigInteger('used_on_order_id').nullable().references('charging_orders.id')
      table.integer('discount_fen').nullable()
      table.timestamp('used_at', { useTz: true }).nullable()
      table.bigInteger('issued_by_staff_id').nullable().references('staff.id').onDelete('SET NULL')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.check(`(status = 'used') = (used_on_order_id IS NOT NULL)`)
      table.unique(['used_on_order_id'])
      table.index(['tenant_id', 'rider_id', 'status', 'expires_at'])
      table.index(['batch_id', 'rider_id'])
    })

    this.schema.alterTable('charging_orders', (table) => {
      table.bigInteger('rider_coupon_id').nullable().references('rider_coupons.id')
      table.integer('coupon_discount_fen').notNullable().defaultTo(0)
      table.check('coupon_discount_fen >= 0', [], 'charging_orders_coupon_discount_check')
    })

    this.defer(async (db) => {
      await enableTenantIsolation(db, 'coupon_batches')
      await enableTenantIsolation(db, 'rider_coupons')
      await db.rawQuery(
        `INSERT INTO role_permissions (tenant_id, role_id, permission)
         SELECT tenant_id, id, 'coupons.manage' FROM roles
          WHERE builtin_key IN ('super_admin', 'operator', 'finance')
         ON CONFLICT (role_id, permission) DO NOTHING`
      )
    })
  }

  async down() {
    this.defer(async (db) => {
      await db.rawQuery(`DELETE FROM role_permissions WHERE permission = 'coupons.manage'`)
    })
    this.schema.alterTable('charging_orders', (table) => {
      table.dropChecks(['charging_orders_coupon_discount_check'])
      table.dropColumn('coupon_discount_fen')
      table.dropColumn('rider_coupon_id')
    })
    this.schema.dropTable('rider_coupons')
    this.schema.dropTable('coupon_batches')
  }
}
