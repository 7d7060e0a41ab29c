import { inject } from '@adonisjs/core'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { normalizeCardNo } from '#services/cards/card_number'
import type { DateTime } from 'luxon'
import { CAPPED_REASONS } from '#core/billing/billing_caps'
import {
  keysetPage,
  ridersByName,
  ridersByPhone,
  whereShanghaiDays,
} from '#services/finance/keyset'
import TenantContext from '#core/tenancy/tenant_context'
import type { OrderDetail, OrderRecord } from '#services/orders/order_rows'
import { prepaidBill } from '#services/orders/pay_per_charge'
import ChargingOrder, {
  type AbnormalReason,
  type EndClaimRecord,
  type OrderChannel,
  type OrderStatus,
} from '#models/charging_order'

/** 订单管理 and 异常订单: the filters and keyset paging (orderFiltersValidator checks them at the edge). */
export type OrderFilters = {
  orderNo?: string
  /** Part of the rider's name (姓名). */
  name?: string
  phone?: string
  cardNo?: string
  device?: string
  projectId?: number
  channel?: OrderChannel
  /** 套餐支付 or not. */
  paidBy?: 'plan' | 'wallet'
  status?: OrderStatus
  abnormalReason?: AbnormalReason
  vendorId?: number
  /** Calendar days, read in Asia/Shanghai. */
  from?: string
  to?: string
  before?: number
  after?: number
}

export type { EndClaimRecord, OrderDetail }

const iso = (value: DateTime | null) => (value ? value.toJSDate().toISOString() : null)

/** An order read with its joined names (rider_name, phone, project_name...) in $extras. */
function toRecord(order: ChargingOrder): OrderRecord {
  const names = order.$extras
  return {
    id: order.id,
    orderNo: order.orderNo,
    status: order.status,
    abnormalReason: order.abnormalReason,
    cancelReason: order.cancelReason,
    riderName: names.rider_name ?? null,
    phone: names.phone ?? null,
    cardNo: order.cardNo,
    channel: order.channel,
    project: names.project_name,
    deviceKey: order.deviceKey,
    portNo: order.portNo,
    durationType: order.durationType,
    durationHours: order.durationHours,
    capFen: order.capFen,
    orderedAt: iso(order.createdAt)!,
    startedAt: iso(order.startedAt),
    endedAt: iso(order.endedAt),
    minutes: order.minutes,
    rateFenPerHour: order.rateFenPerHour,
    maxPowerWatts: Math.round(order.maxPowerDeciwatts / 10),
    energyWh: order.energyWh,
    amountFen: order.amountFen,
    couponDiscountFen: order.couponDiscountFen,
    paidByPlan: order.riderPlanId !== null,
    freeTest: order.freeTest,
    vendorName: order.vendorName,
    stopReason: order.stopReason,
    open: order.isOpen,
  }
}

/**
 * 订单管理 and 异常订单: a tenant's charging orders, newest first, filtered
 * and keyset-paged in SQL on the (tenant, filter column, created_at, id)
 * indexes of migration 0100. Staff limited to projects see only theirs.
 */
@inject()
export default class OrderRecords {
  constructor(protected tenant: TenantContext) {}

  /** Vendors for the filter: the tenant's own. */
  vendors() {
    return this.tenant.run(async (trx) => {
      const rows = await trx
        .from('vendors')
        .where('tenant_id', this.tenant.tenantId)
        .orderBy('id')
        .select('id', 'name')
      return rows.map((row) => ({ id: Number(row.id), name: row.name as string }))
    })
  }

  /** The orders the filters pick, visible to this staff member (no order, no paging); the export reads it too. */
  filtered(
    filters: Omit<OrderFilters, 'before' | 'after'>,
    only: { abnormal: boolean },
    trx: TransactionClientContract
  ) {
    const tenantId = this.tenant.tenantId
    const query = trx.from(`${ChargingOrder.table} as o`).where('o.tenant_id', tenantId)
    this.tenant.limitToProjects(query, 'o.project_id')
    if (only.abnormal) {
      // Capped orders are settled on the capped figures and listed for staff to review.
      query.where((listed) =>
        listed
          .where('o.status', 'abnormal')
          .orWhere((capped) =>
            capped
              .whereIn('o.abnormal_reason', [...CAPPED_REASONS])
              .whereIn('o.status', ['ended', 'settled'])
          )
      )
      if (filters.abnormalReason) query.where('o.abnormal_reason', filters.abnormalReason)
    } else if (filters.status) {
      query.where('o.status', filters.status)
    }
    if (filters.orderNo) query.where('o.order_no', filters.orderNo.toUpperCase())
    if (filters.name) {
      query.whereIn('o.rider_id', (riders) => ridersByName(riders, tenantId, filters.name!))
    }
    if (filters.phone) {
      query.whereIn('o.rider_id', (riders) => ridersByPhone(riders, tenantId, filters.phone!))
    }
    if (filters.cardNo) {
      query.where('o.card_no', normalizeCardNo(filters.cardNo) ?? filters.cardNo)
    }
    // A device key picks the pile first, so orders are read through the pile index.
    if (filters.device) {
      const device = filters.device
      query.whereIn('o.pile_id', (piles) =>
        piles
          .from('piles')
          .where('tenant_id', tenantId)
          .whereIn('device_key', [device, device.toUpperCase()])
          .select('id')
      )
    }
    if (filters.projectId) query.where('o.project_id', filters.projectId)
    if (filters.channel) query.where('o.channel', filters.channel)
    if (filters.paidBy === 'plan') query.whereNotNull('o.rider_plan_id')
    if (filters.paidBy === 'wallet') query.whereNull('o.rider_plan_id')
    if (filters.vendorId) query.where('o.vendor_id', filters.vendorId)
    whereShanghaiDays(query, 'o.created_at', filters)
    return query
  }

  page(filters: OrderFilters, only: { abnormal: boolean }) {
    const tenantId = this.tenant.tenantId
    return this.tenant.run(async (trx) => {
      const query = this.filtered(filters, only, trx)
      const paging = keysetPage(
        query,
        { table: ChargingOrder.table, alias: 'o', tenantId },
        filters
      )
      // The page is picked from charging_orders alone; only its rows are joined to names.
      const found = await trx
        .query()
        .from(query.select('o.*').as('o'))
        .leftJoin('riders as r', 'r.id', 'o.rider_id')
        .join('projects as p', 'p.id', 'o.project_id')
        .orderBy('o.created_at', paging.direction)
        .orderBy('o.id', paging.direction)
        .select('o.*', 'r.name as rider_name', 'r.phone', 'p.name as project_name')
      return paging.finish(ChargingOrder.$createMultipleFromAdapterResult(found).map(toRecord))
    })
  }

  detail(orderId: number): Promise<OrderDetail> {
    return this.tenant.run(async (trx) => {
      const row = await this.tenant
        .limitToProjects(
          trx
            .from(`${ChargingOrder.table} as o`)
            .where({ 'o.tenant_id': this.tenant.tenantId, 'o.id': orderId }),
          'o.project_id'
        )
        .leftJoin('riders as r', 'r.id', 'o.rider_id')
        .join('projects as p', 'p.id', 'o.project_id')
        .leftJoin('stations as s', 's.id', 'o.station_id')
        .leftJoin('piles as pl', 'pl.id', 'o.pile_id')
        .leftJoin('payment_orders as po', 'po.id', 'o.payment_order_id')
        .select(
          'o.*',
          'r.name as rider_name',
          'r.phone',
          'p.name as project_name',
          's.name as station_name',
          'pl.name as pile_name',
          'po.amount as prepaid_fen'
        )
        // Another tenant's or project's order answers 404, like a missing one.
        .firstOrFail()
      const order = ChargingOrder.$createFromAdapterResult(row)!
      const samples = await trx
        .from('charging_meter_samples')
        .where({ tenant_id: this.tenant.tenantId, order_id: order.id })
        .orderBy('at')
        .select('at', 'power_deciwatts', 'energy_wh')
      return {
        ...toRecord(order),
        station: row.station_name,
        pileName: row.pile_name,
        tariff: order.tariff,
        bill: order.bill,
        resolutionNote: order.resolutionNote,
        settledAt: iso(order.settledAt),
        endClaim: order.endClaim,
        prepaid: prepaidBill(order, row.prepaid_fen ?? null),
        samples: samples.map((sample) => ({
          at: new Date(sample.at).toISOString(),
          powerWatts: Math.round(sample.power_deciwatts / 10),
          energyWh: sample.energy_wh,
        })),
      }
    })
  }

  /**
   * The number of an order this staff member may see (remote stop names
   * orders by number); 404 for any other, before any action is tried.
   */
  orderNo(orderId: number) {
    return this.tenant.run(async (trx) => {
      const order = await this.tenant
        .limitToProjects(this.tenant.query(ChargingOrder, trx).where('id', orderId))
        .select('order_no')
        .firstOrFail()
      return order.orderNo
    })
  }
}

export type { OrderRecord }
