import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import { DateTime } from 'luxon'
import { defineJob } from '#core/queue/job'
import PaymentService from '#services/finance/payment_service'
import ReconciliationService from '#services/finance/reconciliation_service'
import type { QueuedPaymentEvent } from '#services/finance/payment_webhook_service'
import TenantContext from '#core/tenancy/tenant_context'

/** A verified notification: settle, close or finish a refund. Idempotent. */
export const applyPaymentEventJob = defineJob<{ tenantId: number; event: QueuedPaymentEvent }>({
  name: 'payments.apply-event',
  queue: 'payments',
  async handle({ tenantId, event }) {
    const tenant = TenantContext.forJob(tenantId)
    const payments = new PaymentService()
    if (event.kind === 'refund') {
      return payments.applyRefundResult(tenant, {
        outRefundNo: event.outRefundNo,
        status: event.status,
        providerRefundNo: event.providerRefundNo,
        raw: event.raw,
      })
    }
    if (event.status === 'closed') return payments.markClosed(tenant, event.outTradeNo)
    return payments.settle(tenant, {
      paymentNo: event.outTradeNo,
      amount: event.amount,
      providerTradeNo: event.providerTradeNo,
      paidAt: event.paidAt ? new Date(event.paidAt) : null,
      merchant: event.merchant,
      raw: event.raw,
      source: 'notification',
    })
  },
})

/** Sends one refund to its provider; retried with backoff, keyed by the refund number. */
export const sendRefundJob = defineJob<{ tenantId: number; refundId: number }>({
  name: 'payments.send-refund',
  queue: 'payments',
  async handle({ tenantId, refundId }) {
    await new PaymentService().sendRefund(TenantContext.forJob(tenantId), refundId)
  },
})

/** Orders still open this long after creation are asked about (no notification came). */
const QUIET_SECONDS = 20
const REFUND_QUIET_MINUTES = 2

/**
 * Every open order and pending refund of every tenant, followed up with its
 * provider: a lost notification still settles within a minute or two, an
 * expired order is closed.
 */
export const followUpPaymentsJob = defineJob<{ limit?: number; quietSeconds?: number }>({
  name: 'payments.follow-up',
  queue: 'payments',
  async handle({ limit = 500, quietSeconds = QUIET_SECONDS }) {
    const owner = db.connection('owner')
    const quiet = DateTime.utc().minus({ seconds: quietSeconds }).toJSDate()
    const orders = await owner
      .from('payment_orders')
      .whereIn('status', ['created', 'pending'])
      .where((scope) =>
        scope.where('created_at', '<', quiet).orWhere('expires_at', '<', new Date())
      )
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
    const payments = new PaymentService()
    let failures = 0
    // One provider failing must not hold up the others: logged, retried on the next run.
    const attempt = (work: Promise<unknown>, what: Record<string, number>) =>
      work.catch((error: Error) => {
        failures++
        logger.warn({ ...what, err: error }, 'payment follow-up failed')
      })
    for (const order of orders) {
      await attempt(payments.followUp(TenantContext.forJob(order.tenant_id), order.id), {
        paymentOrderId: order.id,
      })
    }
    for (const refund of refunds) {
      await attempt(payments.followUpRefund(TenantContext.forJob(refund.tenant_id), refund.id), {
        paymentRefundId: refund.id,
      })
    }
    return { orders: orders.length, refunds: refunds.length, failures }
  },
})

/** Yesterday's bills (Asia/Shanghai) of every payment setting, matched against our records. */
export const reconcilePaymentsJob = defineJob<{ date?: string }>({
  name: 'payments.reconcile',
  queue: 'payments',
  async handle({ date }) {
    const billDate = date ?? DateTime.now().setZone('Asia/Shanghai').minus({ days: 1 }).toISODate()!
    const settings = await db
      .connection('owner')
      .from('tenant_plugins')
      .where({ kind: 'payment', enabled: true })
      .select('id', 'tenant_id')
    const service = new ReconciliationService()
    for (const setting of settings) {
      await service.reconcile(TenantContext.forJob(setting.tenant_id), setting.id, billDate)
    }
    return { settings: settings.length, billDate }
  },
})
