import { randomUUID } from 'node:crypto'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import { applyPaymentEventJob, sendRefundJob } from '#jobs/payment_jobs'
import TenantPluginService from '#plugins/tenant_plugins'
import PaymentSettlement from '#services/finance/payment_settlement'
import QrPaymentService from '#services/finance/qr_payment_service'
import QueueManager from '#core/queue/queue_manager'
import TenantContext from '#core/tenancy/tenant_context'
import type { PaymentGatewayHarness } from '#sdk/testing/payment_contract'
import { createRider, walletFixture } from '#tests/functional/wallet/helpers'

/*
| Payment tests run the whole path for real: the provider's local gateway
| (its wire format and signatures), our webhook on the test server, BullMQ
| workers on PostgreSQL, and the ledger. They commit (no global transaction).
*/

/** A real worker for the payment jobs, as the worker process runs them. */
export async function startPaymentWorker() {
  const queue = new QueueManager(app.config.get('queue'))
  const workers = queue.startWorkers([applyPaymentEventJob, sendRefundJob], 4)
  await Promise.all(workers.map((worker) => worker.waitUntilReady()))
  return queue
}

/** The tenant's payments, for all its projects, go through `pluginId` set up with `config`. */
export async function enablePaymentPlugin(
  tenantId: number,
  pluginId: string,
  config: Record<string, unknown>
) {
  const registry = await app.container.make('plugins')
  return new TenantPluginService(registry).save(TenantContext.forJob(tenantId), {
    pluginId,
    projectId: null,
    enabled: true,
    config,
  })
}

/** A tenant whose payments go through `gateway`, with one rider. */
export async function paymentFixture(pluginId: string, gateway: PaymentGatewayHarness) {
  const fixture = await walletFixture()
  const rider = await createRider(fixture.tenant.id)
  const setting = await enablePaymentPlugin(fixture.tenant.id, pluginId, gateway.config())
  const payments = new QrPaymentService()
  return {
    ...fixture,
    rider,
    settingId: setting.id,
    settlement: new PaymentSettlement(),
    open(amount: number, bonusAmount = 0) {
      return payments.start(fixture.asStaff, {
        purpose: 'topup',
        projectId: fixture.project.id,
        riderId: rider.id,
        amount,
        bonusAmount,
        description: '充值',
        idempotencyKey: randomUUID(),
      })
    },
  }
}

export function orderRow(paymentNo: string) {
  return db.connection('owner').from('payment_orders').where('payment_no', paymentNo).first()
}

export function refundsOf(paymentOrderId: number) {
  return db
    .connection('owner')
    .from('payment_refunds')
    .where('payment_order_id', paymentOrderId)
    .orderBy('id')
}

export function rejectionsOf(tenantId: number) {
  return db
    .connection('owner')
    .from('audit_logs')
    .where({ tenant_id: tenantId, action: 'payments.rejected' })
    .count('* as total')
    .first()
    .then((row) => Number(row.total))
}

/** Notifications of a setting refused before they could be trusted (counted, not audited). */
export function webhookRefusalsOf(settingId: number) {
  return db
    .connection('owner')
    .from('payment_webhook_refusals')
    .where('tenant_plugin_id', settingId)
    .sum('count as total')
    .first()
    .then((row) => Number(row.total ?? 0))
}

/** Waits for `check` to hold, polling; the last value is returned either way. */
export async function eventually<Value>(
  read: () => Promise<Value>,
  check: (value: Value) => boolean,
  timeoutMs = 15_000
): Promise<Value> {
  const until = Date.now() + timeoutMs
  let value = await read()
  while (!check(value) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    value = await read()
  }
  return value
}

/** Waits until the payments queue has nothing waiting, delayed or running. */
export async function paymentQueueIdle(queue: QueueManager) {
  await eventually(
    () => queue.queue('payments').getJobCounts('waiting', 'active', 'delayed', 'prioritized'),
    (counts) => Object.values(counts).every((count) => count === 0)
  )
}
