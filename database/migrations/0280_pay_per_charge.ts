import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * 扫码即充 (pay per charge): a payment of purpose `charge` opens a charge;
 * the charging order records it, and what of the prepaid amount went back
 * (once, keyed on the order) and where: through the provider's refund
 * (`charge_rest` refunds) or left in the wallet.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.raw(`ALTER TABLE payment_orders DROP CONSTRAINT payment_orders_purpose_check`)
    this.schema.raw(
      `ALTER TABLE payment_orders ADD CONSTRAINT payment_orders_purpose_check
         CHECK (purpose IN ('topup', 'card_fee', 'charge'))`
    )
    this.schema.raw(`ALTER TABLE payment_refunds DROP CONSTRAINT payment_refunds_cause_check`)
    this.schema.raw(
      `ALTER TABLE payment_refunds ADD CONSTRAINT payment_refunds_cause_check
         CHECK (cause IN ('rider_refund', 'late_payment', 'unfulfilled', 'charge_rest'))`
    )
    this.schema.alterTable('charging_orders', (table) => {
      table
        .bigInteger('payment_order_id')
        .nullable()
        .references('payment_orders.id')
        .onDelete('RESTRICT')
      table.integer('rest_returned_fen').nullable()
      table.enum('rest_returned_to', ['original', 'wallet']).nullable()
      table.unique(['payment_order_id'])
    })
  }

  /** Rows of the new kinds stay (NOT VALID): rolling back loses no payment or refund. */
  async down() {
    this.schema.alterTable('charging_orders', (table) => {
      table.dropUnique(['payment_order_id'])
      table.dropColumn('rest_returned_to')
      table.dropColumn('rest_returned_fen')
      table.dropColumn('payment_order_id')
    })
    this.schema.raw(`ALTER TABLE payment_refunds DROP CONSTRAINT payment_refunds_cause_check`)
    this.schema.raw(
      `ALTER TABLE payment_refunds ADD CONSTRAINT payment_refunds_cause_check
         CHECK (cause IN ('rider_refund', 'late_payment', 'unfulfilled')) NOT VALID`
    )
    this.schema.raw(`ALTER TABLE payment_orders DROP CONSTRAINT payment_orders_purpose_check`)
    this.schema.raw(
      `ALTER TABLE payment_orders ADD CONSTRAINT payment_orders_purpose_check
         CHECK (purpose IN ('topup', 'card_fee')) NOT VALID`
    )
  }
}
