import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * 免费测试: staff start a charge with no rider and no money to test a port.
 * Such an order is marked, so it bills nothing and is not taken for an
 * unknown rider's charge (which waits for staff in 异常订单).
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('charging_orders', (table) => {
      table.boolean('free_test').notNullable().defaultTo(false)
      // A test charge is staff's, never a rider's, and never takes money.
      table.check(
        `NOT free_test OR (rider_id IS NULL AND channel = 'staff' AND cap_fen = 0)`,
        [],
        'charging_orders_free_test_check'
      )
    })
  }

  async down() {
    this.schema.alterTable('charging_orders', (table) => {
      table.dropChecks(['charging_orders_free_test_check'])
      table.dropColumn('free_test')
    })
  }
}
