import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * OCPP Authorize names no connector: a card authorised there opens an order
 * without a port, which gets its port when the charge starts.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.raw('ALTER TABLE charging_orders ALTER COLUMN port_no DROP NOT NULL')
  }

  async down() {
    // Refused while portless orders exist: they are real orders, not to be dropped silently.
    this.schema.raw('ALTER TABLE charging_orders ALTER COLUMN port_no SET NOT NULL')
  }
}
