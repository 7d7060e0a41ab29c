import type { DatabaseQueryBuilderContract } from '@adonisjs/lucid/types/querybuilder'
import ChargingOrder from '#models/charging_order'
import OrderRecords, { type OrderFilters } from '#services/orders/order_records'
import PaymentRecords, { type PaymentRecordFilters } from '#services/finance/payment_records'
import RefundRecords, { type RefundRecordFilters } from '#services/finance/refund_records'
import AuditService from '#core/audit/audit_service'
import { listReport, type ReportOrigin } from './report_origin.js'

const date = (value: Date | string | null) => (value ? new Date(value) : null)

/** The rider's name and phone and the project's name beside each order of a batch (alias `o`). */
function withRiderAndProject(batch: DatabaseQueryBuilderContract) {
  return batch
    .leftJoin('riders as r', 'r.id', 'o.rider_id')
    .join('projects as p', 'p.id', 'o.project_id')
    .select('o.*', 'r.name as rider_name', 'r.phone', 'p.name as project_name')
}

export type OrderReportFilters = Omit<OrderFilters, 'before' | 'after'>

/** 订单管理 as a report, with the page's filters, oldest first. */
export function ordersReport(origin: ReportOrigin, filters: OrderReportFilters) {
  const { tenant, i18n } = origin
  const records = new OrderRecords(tenant)
  const status = (value: string) => i18n.t(`exports.values.orderStatus.${value}`)
  const channel = (value: string) => i18n.t(`exports.values.orderChannel.${value}`)
  return listReport(origin, filters, {
    kind: 'orders',
    table: ChargingOrder.table,
    alias: 'o',
    filtered: (trx) => records.filtered(filters, { abnormal: false }, trx),
    details: withRiderAndProject,
    toRow: (row) => ({
      orderNo: row.order_no,
      orderedAt: date(row.created_at),
      riderName: row.rider_name,
      phone: row.phone,
      cardNo: row.card_no,
      project: row.project_name,
      channel: channel(row.channel),
      deviceKey: row.device_key,
      portNo: String(row.port_no),
      status: status(row.status),
      startedAt: date(row.started_at),
      endedAt: date(row.ended_at),
      minutes: String(row.minutes ?? 0),
      energyWh: String(row.energy_wh ?? 0),
      vendor: row.vendor_name,
      amountFen: Number(row.amount_fen),
      couponDiscountFen: Number(row.coupon_discount_fen),
    }),
    shownFilters: ['orderNo', 'phone', 'cardNo', 'device', 'channel', 'status', 'vendorId'],
    labels: { channel, status },
    columns: [
      ['orderNo', 'text', 18],
      ['orderedAt', 'datetime', 20],
      ['riderName', 'text', 12],
      ['phone', 'text', 14],
      ['cardNo', 'text', 14],
      ['project', 'text', 16],
      ['channel', 'text', 8],
      ['deviceKey', 'text', 18],
      ['portNo', 'text', 6],
      ['status', 'text', 10],
      ['startedAt', 'datetime', 20],
      ['endedAt', 'datetime', 20],
      ['minutes', 'text', 8],
      ['energyWh', 'text', 10],
      ['vendor', 'text', 12],
      ['amountFen', 'money', 12, true],
      ['couponDiscountFen', 'money', 12, true],
    ],
  })
}

export type PaymentReportFilters = Omit<PaymentRecordFilters, 'before' | 'after'>

/** 收款记录 as a report, with the page's filters, oldest first. */
export function paymentsReport(origin: ReportOrigin, filters: PaymentReportFilters) {
  const { tenant, i18n } = origin
  const records = new PaymentRecords(tenant)
  const purpose = (value: string) => i18n.t(`exports.values.purpose.${value}`)
  const status = (value: string) => i18n.t(`exports.values.paymentStatus.${value}`)
  return listReport(origin, filters, {
    kind: 'payments',
    table: 'payment_orders',
    alias: 'o',
    filtered: (trx) => records.filtered(filters, trx),
    details: withRiderAndProject,
    toRow: (row) => ({
      paymentNo: row.payment_no,
      createdAt: date(row.created_at),
      riderName: row.rider_name,
      phone: row.phone,
      project: row.project_name,
      purpose: purpose(row.purpose),
      channel: row.plugin_id,
      status: status(row.status),
      amount: row.amount,
      bonusAmount: row.bonus_amount,
      refundedAmount: row.refunded_amount,
      paidAt: date(row.paid_at ?? row.late_paid_at),
    }),
    shownFilters: ['paymentNo', 'phone', 'purpose', 'status', 'pluginId'],
    labels: { purpose, status },
    columns: [
      ['paymentNo', 'text', 24],
      ['createdAt', 'datetime', 20],
      ['riderName', 'text', 12],
      ['phone', 'text', 14],
      ['project', 'text', 16],
      ['purpose', 'text', 10],
      ['channel', 'text', 16],
      ['status', 'text', 10],
      ['amount', 'money', 12, true],
      ['bonusAmount', 'money', 12, true],
      ['refundedAmount', 'money', 12, true],
      ['paidAt', 'datetime', 20],
    ],
  })
}

export type RefundReportFilters = Omit<RefundRecordFilters, 'before' | 'after'>

/** 退款记录 as a report, with the page's filters, oldest first. */
export function refundsReport(origin: ReportOrigin, filters: RefundReportFilters) {
  const { tenant, i18n } = origin
  const records = new RefundRecords(tenant, new AuditService())
  const status = (value: string) => i18n.t(`exports.values.refundStatus.${value}`)
  const cause = (value: string) => i18n.t(`exports.values.cause.${value}`)
  return listReport(origin, filters, {
    kind: 'refunds',
    table: 'payment_refunds',
    alias: 'f',
    filtered: (trx) => records.filtered(filters, trx),
    details: (batch) =>
      batch
        .join('payment_orders as o', 'o.id', 'f.payment_order_id')
        .join('projects as p', 'p.id', 'f.project_id')
        .leftJoin('riders as r', 'r.id', 'o.rider_id')
        .select('f.*', 'o.payment_no', 'r.name as rider_name', 'r.phone', 'p.name as project_name'),
    toRow: (row) => ({
      refundNo: row.refund_no,
      createdAt: date(row.created_at),
      paymentNo: row.payment_no,
      riderName: row.rider_name,
      phone: row.phone,
      project: row.project_name,
      cause: cause(row.cause),
      reason: row.reason,
      status: status(row.status),
      failure: row.failure,
      amount: row.amount,
      settledAt: date(row.settled_at),
    }),
    shownFilters: ['refundNo', 'paymentNo', 'phone', 'status', 'cause', 'awaitingCash'],
    labels: { status, cause, awaitingCash: () => '' },
    columns: [
      ['refundNo', 'text', 24],
      ['createdAt', 'datetime', 20],
      ['paymentNo', 'text', 24],
      ['riderName', 'text', 12],
      ['phone', 'text', 14],
      ['project', 'text', 16],
      ['cause', 'text', 14],
      ['reason', 'text', 20],
      ['status', 'text', 10],
      ['failure', 'text', 20],
      ['amount', 'money', 12, true],
      ['settledAt', 'datetime', 20],
    ],
  })
}
