import { jobSpec } from '#core/queue/job'
import TenantContext from '#core/tenancy/tenant_context'
import LiveEvents from '#core/live/live_events'
import { notifyChargesAbnormal } from '#services/notifications/rider_notifier'
import ChargingOrder, { type AbnormalReason } from '#models/charging_order'
import { IDLE_POWER_DECIWATTS } from '#services/orders/charging_rules'
import RemoteControl from '#services/orders/remote_control'
import Settlement from '#services/orders/settlement'
import PayPerCharge from '#services/orders/pay_per_charge'
import { releaseHolds } from '#core/wallet/wallet_holds'

/** The watchdog's job (app/jobs/charging_jobs.ts handles it; the worker runs it every minute). */
/** It takes no payload: each run looks at every tenant. */
export type ChargingWatchdogPayload = Record<string, never>
export const CHARGING_WATCHDOG = jobSpec<ChargingWatchdogPayload>('charging.watchdog', 'charging')

/** How long an authorised order waits for the pile to confirm the start. */
export const START_TIMEOUT_SECONDS = 180
/** After its maximum time, how long a charge may still send its end record. */
export const END_GRACE_SECONDS = 30 * 60
/** A charge drawing under IDLE_POWER_DECIWATTS this long, samples in hand, is phantom. */
export const PHANTOM_SECONDS = 15 * 60
/** A stop-when-full charge under its full threshold this long is stopped by us. */
export const FULL_LOW_SECONDS = 10 * 60

export type WatchdogSummary = {
  startFailed: number
  noStart: number
  noEnd: number
  pileOffline: number
  phantom: number
  stoppedFull: number
  settled: number
}

/**
 * 异常订单: the watchdog (job `charging.watchdog`) looks at open orders of
 * every tenant and
 * - cancels authorised orders whose start command failed at the pile,
 * - marks abnormal: no start confirmation in START_TIMEOUT_SECONDS
 *   (`no_start`), no end record by the maximum time plus END_GRACE_SECONDS
 *   (`no_end`), a pile gone offline mid-charge (`pile_offline`, also set at
 *   once by the gateway), samples saying nothing flowed for PHANTOM_SECONDS
 *   (`phantom`),
 * - stops stop-when-full charges whose power stayed under the full
 *   threshold for FULL_LOW_SECONDS (piles that do not stop themselves; the
 *   end record then bills them),
 * - retries the settlement of ended orders (a crash between the end record
 *   and the deduction).
 * Candidates are read by the owner; each tenant's orders change in its own
 * context, the condition re-checked there.
 */
export default class ChargingWatchdog {
  constructor(
    protected remote = new RemoteControl(),
    protected settlement = new Settlement(),
    protected payPerCharge = new PayPerCharge()
  ) {}

  async run(now = new Date()): Promise<WatchdogSummary> {
    const summary: WatchdogSummary = {
      startFailed: 0,
      noStart: 0,
      noEnd: 0,
      pileOffline: 0,
      phantom: 0,
      stoppedFull: 0,
      settled: 0,
    }
    const tenants = await ChargingOrder.query({ connection: 'owner' })
      .whereIn('status', ['authorised', 'charging', 'ended'])
      .distinct('tenant_id')
      .pojo<{ tenant_id: number }>()
    for (const { tenant_id: tenantId } of tenants) {
      await this.#runTenant(TenantContext.forJob(tenantId), now, summary)
    }
    return summary
  }

  async #runTenant(tenant: TenantContext, now: Date, summary: WatchdogSummary) {
    const { cancelledStarts, noStart, noEnd, pileOffline, phantom, changed, toStop, ended } =
      await tenant.run(async (trx) => {
        const orders = () => tenant.query(ChargingOrder, trx)
        const mark = (reason: AbnormalReason) => ({
          status: 'abnormal',
          abnormalReason: reason,
          abnormalAt: now,
          updatedAt: now,
        })
        const failedStarts = await orders()
          .where('status', 'authorised')
          .whereIn('start_command_id', (commands) =>
            commands
              .from('device_commands')
              .where('tenant_id', tenant.tenantId)
              .whereIn('status', ['failed', 'timeout'])
              .select('id')
          )
          .update({ status: 'cancelled', cancelReason: 'start_failed', updatedAt: now })
          .returning('order_no')
        const lateStarts = await orders()
          .where('status', 'authorised')
          .where('created_at', '<', new Date(now.getTime() - START_TIMEOUT_SECONDS * 1000))
          .update(mark('no_start'))
          .returning('order_no')
        const offline = await orders()
          .where('status', 'charging')
          .whereIn('pile_id', (piles) =>
            piles.from('piles').where({ tenant_id: tenant.tenantId, online: false }).select('id')
          )
          .update(mark('pile_offline'))
          .returning('order_no')
        const overdue = await orders()
          .where('status', 'charging')
          .whereRaw(
            'COALESCE(started_at, created_at) + make_interval(secs => max_duration_seconds + ?) < ?',
            [END_GRACE_SECONDS, now]
          )
          .update(mark('no_end'))
          .returning('order_no')
        const idle = await orders()
          .where('status', 'charging')
          .where('sample_count', '>', 0)
          .where('max_power_deciwatts', '<', IDLE_POWER_DECIWATTS)
          .where('started_at', '<', new Date(now.getTime() - PHANTOM_SECONDS * 1000))
          .update(mark('phantom'))
          .returning('order_no')
        const full = await orders()
          .where({ status: 'charging', duration_type: 'full' })
          .whereNull('stop_requested_at')
          .where('low_power_since', '<', new Date(now.getTime() - FULL_LOW_SECONDS * 1000))
          .select('order_no')
        const unsettled = await orders().where('status', 'ended').select('order_no')
        const marked = [failedStarts, lateStarts, offline, overdue, idle]
        const changedOrders = marked.flat().map((row: { order_no: string }) => row.order_no)
        await releaseHolds(tenant, trx, changedOrders)
        return {
          cancelledStarts: failedStarts.map((row: { order_no: string }) => row.order_no),
          noStart: lateStarts.length,
          noEnd: overdue.length,
          pileOffline: offline.length,
          phantom: idle.length,
          changed: changedOrders,
          toStop: full.map((order) => order.orderNo),
          ended: unsettled.map((order) => order.orderNo),
        }
      })
    await LiveEvents.ordersChanged(tenant.tenantId, changed)
    await notifyChargesAbnormal(tenant, changed)
    await this.payPerCharge.returnCancelled(tenant, cancelledStarts)
    summary.startFailed += cancelledStarts.length
    summary.noStart += noStart
    summary.noEnd += noEnd
    summary.pileOffline += pileOffline
    summary.phantom += phantom
    for (const orderNo of toStop) {
      await this.remote.stopRemote(tenant, { orderNo, reason: 'full' })
      summary.stoppedFull += 1
    }
    for (const orderNo of ended) {
      const { settled } = await this.settlement.settle(tenant, orderNo)
      if (settled) summary.settled += 1
    }
  }
}
