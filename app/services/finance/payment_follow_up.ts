import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import { DateTime } from 'luxon'
import TenantContext from '#core/tenancy/tenant_context'
import PaymentRefunds from '#services/finance/payment_refunds'
import PaymentSettlement from '#services/finance/payment_settlement'

/** Orders still open this long after creation are asked about (no notification came). */
const QUIET_SECONDS = 20
const REFUND_QUIET_MINUTES = 2

/**
 * Every open order and pending refund of every tenant, followed up with its
 * provider (the `payments.follow-up` job): a lost notification still settles
 * within a minute or two, an expired order is closed.
 */
export async function followUpPayments({
  limit = 500,
  quietSeconds = QUIET_SECONDS,
}: { limit?: number; quietSeconds?: number } = {}) {
  const owner = db.connection('owner')
  const quiet = DateTime.utc().minus({ seconds: quietSeconds }).toJSDate()
  const orders = await owner
    .from('payment_orders')
    .whereIn('status', ['created', 'pending'])
    .where((scope) => scope.where('created_at', '<', quiet).orWhere('expires_at', '<', new Date()))
    .orderBy('expires_at')
    .limit(limit)
    .select('id', 'tenant_id')
  const refunds = await owner
    .from('payment_refunds')
    .where('status', 'pending')
    .where('updated_at', '<', DateTime.utc().minus({ minutes: REFUND_QUIET_MINUTES }).toJSDate())
    .orderBy('id')
    .limit(limit)
    .select('id', 'tenant_id')
  const settlement = new PaymentSettlement()
  const refunder = new PaymentRefunds()
  let failures = 0
  // One provider failing must not hold up the others: logged, retried on the next run.
  const attempt = (work: Promise<unknown>, what: Record<string, number>) =>
    work.catch((error: Error) => {
      failures++
      logger.warn({ ...what, err: error }, 'payment follow-up failed')
    })
  for (const order of orders) {
    await attempt(settlement.followUp(TenantContext.forJob(order.tenant_id), order.id), {
      paymentOrderId: order.id,
    })
  }
  for (const refund of refunds) {
    await attempt(refunder.followUp(TenantContext.forJob(refund.tenant_id), refund.id), {
      paymentRefundId: refund.id,
    })
  }
  return { orders: orders.length, refunds: refunds.length, failures }
}
