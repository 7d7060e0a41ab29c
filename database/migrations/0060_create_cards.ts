import { BaseSchema } from '@adonisjs/lucid/schema'
import { enableTenantIsolation } from '#database/tenant_isolation'

/**
 * IC cards (卡片) of a tenant: imported into a project's stock (库存), bound
 * to a rider by 开卡 (已绑定), reported lost (挂失) or voided (作废, e.g. the
 * old card of a 换卡). A card keeps its rider after it is voided, as history.
 * `payment_id` is the card-fee payment of the 开卡 (null when the fee was 0);
 * no foreign key, as payments live in their own area.
 */
export default class extends BaseSchema {
  protected tableName = 'cards'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('project_id').notNullable().references('projects.id').onDelete('RESTRICT')
      table.string('card_no', 10).notNullable()
      table
        .enum('status', ['in_stock', 'bound', 'lost', 'voided'])
        .notNullable()
        .defaultTo('in_stock')
      table.bigInteger('rider_id').nullable().references('riders.id').onDelete('RESTRICT')
      table.bigInteger('payment_id').nullable()
      table.bigInteger('replaced_by_id').nullable().references('cards.id').onDelete('RESTRICT')
      table.timestamp('bound_at', { useTz: true }).nullable()
      table.timestamp('lost_at', { useTz: true }).nullable()
      table.timestamp('voided_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['tenant_id', 'card_no'])
      // A card in stock belongs to nobody; a bound or lost one to a rider.
      table.check(
        `(status = 'in_stock') = (rider_id IS NULL) OR status = 'voided'`,
        [],
        'cards_rider_check'
      )
      // 用卡管理 and the rider list's card counts read by rider.
      table.index(['tenant_id', 'rider_id'])
      table.index(['tenant_id', 'status', 'card_no'])
    })
    this.defer((db) => enableTenantIsolation(db, this.tableName))
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
