import { BaseSchema } from '@adonisjs/lucid/schema'
import { enableTenantIsolation } from '#database/tenant_isolation'

/**
 * Top-up packages (充值套餐) of a project: a real amount and an optional
 * bonus, in fen, shown as buttons on the 充值 page in sort order.
 */
export default class extends BaseSchema {
  protected tableName = 'topup_packages'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('project_id').notNullable().references('projects.id').onDelete('CASCADE')
      table.bigInteger('amount').notNullable()
      table.bigInteger('bonus').notNullable().defaultTo(0)
      table.integer('sort_order').notNullable().defaultTo(0)
      table.boolean('enabled').notNullable().defaultTo(true)
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.check('amount > 0 AND bonus >= 0')
      table.index(['tenant_id', 'project_id', 'sort_order'])
    })
    this.defer((db) => enableTenantIsolation(db, this.tableName))
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
