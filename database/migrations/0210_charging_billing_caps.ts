import { BaseSchema } from '@adonisjs/lucid/schema'

const REASONS = [
  'no_start',
  'no_end',
  'pile_offline',
  'phantom',
  'settlement_failed',
  'unknown_rider',
]
const CAPPED = ['capped_duration', 'capped_energy']
const list = (values: string[]) => values.map((value) => `'${value}'`).join(', ')

/**
 * Billing caps (app/core/billing/billing_caps.ts): an end record bills
 * no more than the platform observed.
 * - start_confirmed_at, last_seen_at: the platform's own clock at the start
 *   confirmation and at the latest sign of the charge running;
 * - end_claim: the pile's claim, kept when it was not taken as is;
 * - abnormal_reason gains capped_duration and capped_energy, which a
 *   settled order keeps so 异常订单 lists it for review (partial index).
 * Open orders take their stored start as the confirmation: the best known.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('charging_orders', (table) => {
      table.timestamp('start_confirmed_at', { useTz: true }).nullable()
      table.timestamp('last_seen_at', { useTz: true }).nullable()
      table.jsonb('end_claim').nullable()
    })
    this.schema.raw(
      `ALTER TABLE charging_orders DROP CONSTRAINT charging_orders_abnormal_reason_check,
         ADD CONSTRAINT charging_orders_abnormal_reason_check
           CHECK (abnormal_reason IN (${list([...REASONS, ...CAPPED])}))`
    )
    this.schema.raw(
      `UPDATE charging_orders
         SET start_confirmed_at = LEAST(started_at, now()),
             last_seen_at = LEAST(GREATEST(started_at, last_sample_at), now())
         WHERE ended_at IS NULL AND started_at IS NOT NULL`
    )
    this.schema.raw(
      `CREATE INDEX charging_orders_tenant_capped_created
         ON charging_orders (tenant_id, created_at DESC, id DESC)
         WHERE abnormal_reason IN (${list(CAPPED)})`
    )
  }

  async down() {
    this.schema.raw('DROP INDEX charging_orders_tenant_capped_created')
    // Capped orders are settled (or refunded): without the reasons they are ordinary ones.
    this.schema.raw(
      `UPDATE charging_orders SET abnormal_reason = NULL, abnormal_at = NULL
         WHERE abnormal_reason IN (${list(CAPPED)})`
    )
    this.schema.raw(
      `ALTER TABLE charging_orders DROP CONSTRAINT charging_orders_abnormal_reason_check,
         ADD CONSTRAINT charging_orders_abnormal_reason_check
           CHECK (abnormal_reason IN (${list(REASONS)}))`
    )
    this.schema.alterTable('charging_orders', (table) => {
      table.dropColumn('start_confirmed_at')
      table.dropColumn('last_seen_at')
      table.dropColumn('end_claim')
    })
  }
}
