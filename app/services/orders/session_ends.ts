import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { capEnd, type Observation } from '#core/billing/billing_caps'
import { computeCharge } from '#core/billing/tariff'
import LiveEvents from '#core/live/live_events'
import { notifyChargesAbnormal } from '#services/notifications/rider_notifier'
import type TenantContext from '#core/tenancy/tenant_context'
import ChargingOrder, { OPEN_STATUSES } from '#models/charging_order'
import {
  findOrder,
  findPile,
  openOrder,
  releasePort,
  serializePort,
} from '#services/orders/charging_ports'
import {
  IDLE_POWER_DECIWATTS,
  endClaimRecord,
  endEnergy,
  systemClock,
  type Clock,
  type EndEvent,
} from '#services/orders/charging_rules'
import { createOrder, projectTariff } from '#services/orders/order_opening'
import Settlement from '#services/orders/settlement'
import { releaseHolds } from '#core/wallet/wallet_holds'

const date = (at: DateTime | null) => (at ? at.toJSDate() : null)

/**
 * Session events, the end of a charge: end records (billed with the core's
 * tariff, never above what the platform observed: billing_caps) and piles
 * dropping off mid-charge. Settlement then posts the bill once.
 */
export default class SessionEnds {
  constructor(
    protected now: Clock = systemClock,
    protected settlement = new Settlement()
  ) {}

  /**
   * The end record (结算): billed once and settled once however often the
   * pile resends it. An end for an order we never saw is recorded as a BLE
   * order; without a rider it waits in 异常订单.
   */
  async settleEnd(
    tenant: TenantContext,
    input: EndEvent
  ): Promise<{ orderNo: string | null; settled: boolean }> {
    const recorded = await tenant.run(async (trx) => {
      const pile = await findPile(tenant, trx, input.pileId)
      if (!pile) return null
      await serializePort(trx, pile.id, input.portNo)
      const arrivedAt = this.now()
      let order =
        (await findOrder(tenant, trx, pile.id, input, true)) ??
        (await openOrder(tenant, trx, pile.id, input.portNo, OPEN_STATUSES, null, true))
      const seenBefore = order !== null
      if (!order) {
        const endedAt = new Date(Math.min(input.endedAt.getTime(), arrivedAt.getTime()))
        order = await createOrder(tenant, trx, {
          pile,
          portNo: input.portNo,
          riderId: null,
          cardNo: null,
          channel: 'ble',
          duration: { kind: 'full' },
          cap: null,
          tariff: await projectTariff(tenant, trx, pile.project_id),
          status: 'charging',
          at: new Date(
            Math.min(
              (input.startedAt ?? endedAt).getTime() -
                (input.startedAt ? 0 : (input.durationSeconds ?? 0) * 1000),
              endedAt.getTime()
            )
          ),
          transactionRef: input.transactionRef ?? input.orderNo ?? null,
        })
      }
      if (order.endedAt || ['cancelled', 'refunded', 'settled'].includes(order.status)) {
        return order
      }
      const claim = {
        startedAt: date(order.startedAt) ?? input.startedAt ?? null,
        endedAt: input.endedAt,
        durationSeconds: input.durationSeconds,
        energyWattHours: endEnergy(input, order.meterStartWh),
        maxPowerDeciwatts: Math.max(order.maxPowerDeciwatts, input.maxPowerDeciwatts ?? 0),
      }
      const seen = seenBefore
        ? await this.#observed(tenant, trx, order, arrivedAt)
        : { openedAt: null, lastSeenAt: null, arrivedAt }
      const end = capEnd(claim, seen)
      const usage = {
        durationSeconds: end.durationSeconds,
        energyWattHours: end.energyWattHours,
        maxPowerDeciwatts: end.maxPowerDeciwatts,
      }
      const bill = computeCharge(order.tariff, usage, order.capFen)
      const phantom =
        bill.amountFen > 0 &&
        usage.energyWattHours <= 0 &&
        usage.maxPowerDeciwatts < IDLE_POWER_DECIWATTS
      // Unknown riders and phantoms wait for staff (a free test has no rider by design);
      // a capped order settles and is listed for review.
      const unknownRider = order.riderId === null && !order.freeTest
      const blocking = unknownRider ? 'unknown_rider' : phantom ? 'phantom' : null
      const reason = blocking ?? end.capped[0] ?? null
      const corrected = end.capped.length > 0 || end.endMoved
      order.merge({
        status: blocking ? 'abnormal' : 'ended',
        abnormalReason: reason,
        abnormalAt: reason ? DateTime.fromJSDate(arrivedAt) : null,
        startedAt: DateTime.fromJSDate(end.startedAt),
        endedAt: DateTime.fromJSDate(end.endedAt),
        durationSeconds: end.durationSeconds,
        minutes: bill.minutes,
        energyWh: usage.energyWattHours,
        maxPowerDeciwatts: usage.maxPowerDeciwatts,
        amountFen: bill.amountFen,
        rateFenPerHour: bill.rateFenPerHour,
        bill,
        stopReason: input.stopReason,
        rawStopCode: input.rawStopCode ?? null,
        transactionRef: input.transactionRef ?? order.transactionRef,
        lowPowerSince: null,
        endClaim: corrected ? endClaimRecord(claim, seen, end) : null,
      })
      await order.save()
      // An order waiting for staff holds nothing; an ended one keeps its hold for the settlement.
      await releaseHolds(tenant, trx, [order.orderNo])
      await releasePort(trx, pile.id, order.portNo ?? input.portNo, order.orderNo)
      return order
    })
    if (!recorded) return { orderNo: input.orderNo, settled: false }
    if (recorded.status === 'ended') return this.settlement.settle(tenant, recorded.orderNo)
    await LiveEvents.ordersChanged(tenant.tenantId, [recorded.orderNo])
    return {
      orderNo: recorded.orderNo,
      settled: ['settled', 'refunded'].includes(recorded.status),
    }
  }

  /** The pile dropped off mid-charge: its charging orders go to 异常订单 until an end record comes. */
  async pileWentOffline(tenant: TenantContext, pileId: number, at: Date): Promise<void> {
    const orders: { order_no: string }[] = await tenant.run(async (trx) => {
      const marked: { order_no: string }[] = await tenant
        .query(ChargingOrder, trx)
        .where({ pile_id: pileId, status: 'charging' })
        .update({
          status: 'abnormal',
          abnormalReason: 'pile_offline',
          abnormalAt: at,
          updatedAt: new Date(),
        })
        .returning('orderNo')
      await releaseHolds(
        tenant,
        trx,
        marked.map((order) => order.order_no)
      )
      return marked
    })
    await LiveEvents.ordersChanged(
      tenant.tenantId,
      orders.map((order) => order.order_no)
    )
    await notifyChargesAbnormal(
      tenant,
      orders.map((order) => order.order_no)
    )
  }

  /**
   * The platform's own observation of an order's charge (billing_caps): its
   * start confirmation (for a charge never confirmed, its authorisation),
   * the latest sample, and the port's status while the order held it.
   */
  async #observed(
    tenant: TenantContext,
    trx: TransactionClientContract,
    order: ChargingOrder,
    arrivedAt: Date
  ): Promise<Observation> {
    const openedAt = (order.startConfirmedAt ?? order.createdAt).toJSDate()
    const seen = [openedAt, ...(order.lastSeenAt ? [order.lastSeenAt.toJSDate()] : [])]
    const port =
      order.portNo === null
        ? null
        : await trx
            .from('pile_ports')
            .where({ tenant_id: tenant.tenantId, pile_id: order.pileId, port_no: order.portNo })
            .where('current_order_no', order.orderNo)
            .select('state', 'updated_at')
            .first()
    if (port && ['charging', 'full'].includes(port.state)) {
      seen.push(arrivedAt)
    } else if (port && port.state !== 'offline' && order.abnormalReason !== 'pile_offline') {
      seen.push(new Date(port.updated_at))
    }
    return {
      openedAt,
      lastSeenAt: new Date(Math.max(...seen.map((at) => at.getTime()))),
      arrivedAt,
    }
  }
}
