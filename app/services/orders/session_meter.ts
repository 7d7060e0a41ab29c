import db from '@adonisjs/lucid/services/db'
import type TenantContext from '#core/tenancy/tenant_context'
import ChargingOrder, { OPEN_STATUSES } from '#models/charging_order'
import { findOrder, openOrder } from '#services/orders/charging_ports'
import {
  IDLE_POWER_DECIWATTS,
  MAX_SAMPLES,
  fullThreshold,
  systemClock,
  type Clock,
  type MeterEvent,
  type OrderRef,
} from '#services/orders/charging_rules'

/** Statuses a meter sample may still apply to (an abnormal order may be running unseen). */
const METERED = ['authorised', 'charging', 'abnormal']

/**
 * Session events, the running charge: meter samples the gateway reports,
 * a pile's frame per port every few seconds to minutes, most of them for
 * idle ports.
 */
export default class SessionMeter {
  constructor(protected now: Clock = systemClock) {}

  /**
   * Whether a meter sample may touch an order: one statement, no tenant
   * transaction, so the samples of idle ports (most of them) cost one round
   * trip. It answers yes for every sample recordMeter would apply (an open
   * order named by the sample or open on its port), and may answer yes for
   * more; recordMeter decides. The pile was found by the gateway through the
   * owner connection, and this reads through it too, filtered to the pile's
   * tenant, returning no row of it.
   */
  async meterMayApply(tenantId: number, input: OrderRef): Promise<boolean> {
    const refs = [input.orderNo, input.transactionRef].filter((ref): ref is string => Boolean(ref))
    const found = await ChargingOrder.query({ connection: 'owner' })
      .where({ tenant_id: tenantId, pile_id: input.pileId })
      .where((scope) => {
        scope.where((port) =>
          port.where('port_no', input.portNo).whereIn('status', [...OPEN_STATUSES])
        )
        if (refs.length > 0) {
          scope.orWhere((named) =>
            named
              .whereIn('status', METERED)
              .whereNull('ended_at')
              .where((ref) => ref.whereIn('order_no', refs).orWhereIn('transaction_ref', refs))
          )
        }
      })
      .select(db.raw('1'))
      .pojo()
      .first()
    return Boolean(found)
  }

  /**
   * A meter sample: the order's highest power and energy so far, a kept
   * sample (up to MAX_SAMPLES), and for stop-when-full charges since when
   * power stays under the full threshold (the watchdog stops them).
   * `energyWattHours` is the session's energy, or the meter register when
   * the start reported one (then the start reading is taken off).
   */
  async recordMeter(tenant: TenantContext, input: MeterEvent): Promise<void> {
    await tenant.run(async (trx) => {
      const order =
        (await findOrder(tenant, trx, input.pileId, input)) ??
        (await openOrder(tenant, trx, input.pileId, input.portNo, OPEN_STATUSES, null))
      if (!order || !METERED.includes(order.status)) return
      if (order.endedAt) return
      const power = Math.max(0, Math.trunc(input.powerDeciwatts))
      const energy =
        input.energyWattHours === null || input.energyWattHours === undefined
          ? null
          : Math.max(0, Math.trunc(input.energyWattHours) - (order.meterStartWh ?? 0))
      const maxPower = Math.max(order.maxPowerDeciwatts, power)
      const low = maxPower >= IDLE_POWER_DECIWATTS * 2 && power < fullThreshold(maxPower)
      // One statement with SQL expressions: samples of one order may arrive at once, unlocked.
      await ChargingOrder.query({ client: trx })
        .where('id', order.id)
        .update({
          // Power flowing means the charge started, even if its confirmation was lost.
          ...(order.status === 'authorised' && power > 0
            ? { status: 'charging', startedAt: input.at, startConfirmedAt: this.now() }
            : {}),
          lastSeenAt: this.now(),
          maxPowerDeciwatts: maxPower,
          ...(energy === null ? {} : { energyWh: trx.raw('GREATEST(energy_wh, ?)', [energy]) }),
          lastSampleAt: input.at,
          lowPowerSince: low ? trx.raw('COALESCE(low_power_since, ?)', [input.at]) : null,
          sampleCount: Math.min(order.sampleCount + 1, MAX_SAMPLES),
          updatedAt: new Date(),
        })
      if (order.sampleCount < MAX_SAMPLES) {
        await trx.table('charging_meter_samples').insert({
          tenant_id: tenant.tenantId,
          order_id: order.id,
          at: input.at,
          power_deciwatts: power,
          energy_wh: energy,
        })
      }
    })
  }
}
