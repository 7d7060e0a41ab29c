import type { DateTime } from 'luxon'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import AuditService from '#core/audit/audit_service'
import { computeCharge } from '#core/billing/tariff'
import TenantContext from '#core/tenancy/tenant_context'
import ChargingOrder from '#models/charging_order'
import type { H5Order, H5Rider } from '#services/h5/h5_types'
import ChargingRefusal from '#services/orders/charging_refusal'
import { recordOrderActionByNo } from '#services/orders/order_audit'
import RemoteControl from '#services/orders/remote_control'
import { prepaidBill } from '#services/orders/pay_per_charge'

/**
 * The rider H5's orders: the live page of a charge, the bill, 我的订单 and
 * 停止充电. A rider only ever reads orders carrying their own rider id.
 */
export default class RiderOrders {
  constructor(
    protected remote = new RemoteControl(),
    protected audit = new AuditService()
  ) {}

  /** 停止充电 of the rider's own open order. */
  async stop(tenant: TenantContext, rider: H5Rider, orderNo: string) {
    await this.#ownOrder(rider, orderNo)
    const stopped = await this.remote.stopRemote(tenant, { orderNo, reason: 'rider' })
    await recordOrderActionByNo(this.audit, tenant, 'orders.app_stop', orderNo, {
      commandId: stopped.commandId,
    })
    return stopped
  }

  /** One of the rider's orders as the live page and the bill show it. */
  order(rider: H5Rider, orderNo: string): Promise<H5Order | null> {
    return TenantContext.forJob(rider.tenantId).run(async (trx) => {
      const order = await this.#orders(trx, rider).where('o.order_no', orderNo).first()
      return order ? view(order) : null
    })
  }

  /** 我的订单: the newest 50. */
  orders(rider: H5Rider): Promise<H5Order[]> {
    return TenantContext.forJob(rider.tenantId).run(async (trx) => {
      const orders = await this.#orders(trx, rider)
        .orderBy('o.created_at', 'desc')
        .orderBy('o.id', 'desc')
        .limit(50)
      return orders.map(view)
    })
  }

  #orders(trx: TransactionClientContract, rider: H5Rider) {
    return ChargingOrder.query({ client: trx })
      .from(`${ChargingOrder.table} as o`)
      .join('piles as p', 'p.id', 'o.pile_id')
      .join('stations as s', 's.id', 'o.station_id')
      .leftJoin('pile_ports as pp', (join) =>
        join.on('pp.pile_id', 'o.pile_id').andOn('pp.port_no', 'o.port_no')
      )
      .leftJoin('payment_orders as po', 'po.id', 'o.payment_order_id')
      .where({ 'o.tenant_id': rider.tenantId, 'o.rider_id': rider.riderId })
      .select(
        'o.*',
        'p.name as pile_name',
        's.name as station_name',
        'pp.current_power_deciwatts',
        'pp.current_order_no',
        'po.amount as prepaid_fen'
      )
  }

  async #ownOrder(rider: H5Rider, orderNo: string) {
    const found = await TenantContext.forJob(rider.tenantId).run((trx) =>
      ChargingOrder.query({ client: trx })
        .where({ tenant_id: rider.tenantId, rider_id: rider.riderId, order_no: orderNo })
        .select('id')
        .first()
    )
    if (!found) throw new ChargingRefusal('orderNotFound')
  }
}

const iso = (value: DateTime | null) => (value ? value.toUTC().toISO()! : null)

/** An order with its pile, station and port (in $extras) as the rider's pages show it. */
function view(order: ChargingOrder): H5Order {
  const place = order.$extras
  const charging = order.status === 'charging' && !order.endedAt
  const seconds =
    charging && order.startedAt
      ? Math.max(0, Math.floor((Date.now() - order.startedAt.toMillis()) / 1000))
      : order.durationSeconds
  // A running charge costs what it would if it ended now (same tariff, same cap).
  const amount = charging
    ? computeCharge(
        order.tariff,
        {
          durationSeconds: seconds,
          energyWattHours: order.energyWh,
          maxPowerDeciwatts: order.maxPowerDeciwatts,
        },
        order.capFen
      ).amountFen
    : order.amountFen
  return {
    orderNo: order.orderNo,
    status: order.status,
    abnormalReason: order.abnormalReason,
    stationName: place.station_name,
    pileName: place.pile_name,
    portNo: order.portNo,
    durationType: order.durationType,
    durationHours: order.durationHours,
    capFen: order.capFen,
    createdAt: iso(order.createdAt)!,
    startedAt: iso(order.startedAt),
    endedAt: iso(order.endedAt),
    minutes: charging ? Math.ceil(seconds / 60) : order.minutes,
    powerWatts:
      charging && place.current_order_no === order.orderNo
        ? Math.round(place.current_power_deciwatts / 10)
        : 0,
    maxPowerWatts: Math.round(order.maxPowerDeciwatts / 10),
    energyWh: order.energyWh,
    amountFen: amount,
    couponDiscountFen: order.couponDiscountFen,
    paidByPlan: order.riderPlanId !== null,
    stopRequested: order.stopRequestedAt !== null,
    stopReason: order.stopReason,
    cancelReason: order.cancelReason,
    bill: order.bill ?? null,
    prepaid: prepaidBill(order, place.prepaid_fen ?? null),
  }
}
