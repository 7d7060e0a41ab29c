import type { DatabaseQueryBuilderContract } from '@adonisjs/lucid/types/querybuilder'
import ChargingOrder from '#models/charging_order'
import OrderRecords, { type OrderFilters } from '#services/orders/order_records'
import PaymentRecords, { type PaymentRecordFilters } from '#services/finance/payment_records'
import RefundRecords, { type RefundRecordFilters } from '#services/finance/refund_records'
import AuditService from '#core/audit/audit_service'
import ReconciliationRecords from '#services/finance/reconciliation_records'
import ReconciliationService from '#services/finance/reconciliation_service'
import RefundRequestService, { refundRequestNames } from '#services/finance/refund_request_service'
import {
  cellDate as date,
  listReport,
  pageColumn,
  valueLabel,
  type ReportOrigin,
} from './report_origin.js'

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
  return orderList(origin, filters, false)
}

/** 异常订单 as a report: the orders' columns and the abnormal reason, with the page's filters. */
export function abnormalOrdersReport(origin: ReportOrigin, filters: OrderReportFilters) {
  return orderList(origin, filters, true)
}

function orderList(origin: ReportOrigin, filters: OrderReportFilters, abnormal: boolean) {
  const { tenant, i18n } = origin
  const records = new OrderRecords(tenant)
  const status = (value: string) => i18n.t(`exports.values.orderStatus.${value}`)
  const channel = (value: string) => i18n.t(`exports.values.orderChannel.${value}`)
  const reason = valueLabel(i18n, 'ui.ordersPage.reasons')
  return listReport(origin, filters, {
    kind: abnormal ? 'abnormalOrders' : 'orders',
    table: ChargingOrder.table,
    alias: 'o',
    filtered: (trx) => records.filtered(filters, { abnormal }, trx),
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
      abnormalReason: reason(row.abnormal_reason),
      startedAt: date(row.started_at),
      endedAt: date(row.ended_at),
      minutes: String(row.minutes ?? 0),
      energyWh: String(row.energy_wh ?? 0),
      vendor: row.vendor_name,
      amountFen: Number(row.amount_fen),
      couponDiscountFen: Number(row.coupon_discount_fen),
    }),
    shownFilters: [
      'orderNo',
      'phone',
      'cardNo',
      'device',
      'channel',
      abnormal ? 'abnormalReason' : 'status',
      'vendorId',
    ],
    labels: { channel, status, abnormalReason: reason },
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
      ...(abnormal ? [pageColumn('ui.ordersPage.abnormalReason', 'abnormalReason')] : []),
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

export type RefundRequestReportFilters = { status?: 'pending' | 'approved' | 'rejected' }

/** 退款申请 as a report, with the page's status filter, oldest first. */
export function refundRequestsReport(origin: ReportOrigin, filters: RefundRequestReportFilters) {
  const { tenant, i18n } = origin
  const requests = new RefundRequestService(tenant, new AuditService())
  const status = valueLabel(i18n, 'ui.refundRequestsPage.statuses')
  return listReport(origin, filters, {
    kind: 'refundRequests',
    table: 'rider_refund_requests',
    alias: 'q',
    filtered: (trx) => requests.filtered(filters.status, trx),
    details: refundRequestNames,
    toRow: (row) => ({
      riderName: row.rider_name,
      phone: row.rider_phone,
      project: row.project_name,
      amount: row.amount,
      realBalance: Number(row.real_balance),
      reason: row.reason,
      status: status(row.status),
      createdAt: date(row.created_at),
      decidedBy: row.staff_name,
      decidedAt: date(row.decided_at),
      note: row.decision_note,
    }),
    shownFilters: ['status'],
    labels: { status },
    columns: [
      pageColumn('ui.refundRequestsPage.rider', 'riderName', 'text', 12),
      pageColumn('ui.refundRequestsPage.phone', 'phone'),
      pageColumn('ui.refundRequestsPage.project', 'project', 'text', 16),
      pageColumn('ui.refundRequestsPage.amount', 'amount', 'money', 12),
      pageColumn('ui.refundRequestsPage.realBalance', 'realBalance', 'money', 12),
      pageColumn('ui.refundRequestsPage.reason', 'reason', 'text', 20),
      pageColumn('ui.refundRequestsPage.status', 'status', 'text', 8),
      pageColumn('ui.refundRequestsPage.createdAt', 'createdAt', 'datetime', 20),
      pageColumn('ui.refundRequestsPage.decidedBy', 'decidedBy', 'text', 12),
      pageColumn('ui.refundRequestsPage.decidedAt', 'decidedAt', 'datetime', 20),
      pageColumn('ui.refundRequestsPage.note', 'note', 'text', 20),
    ],
  })
}

/** 对账差异: the run named by the page (or every run this staff member may see). */
export type ReconciliationReportFilters = { run?: number }

/** 对账差异 as a report: each difference with its run's bill day and channel. */
export function reconciliationReport(origin: ReportOrigin, filters: ReconciliationReportFilters) {
  const { tenant, i18n } = origin
  const records = new ReconciliationRecords(tenant, new AuditService(), new ReconciliationService())
  const kind = valueLabel(i18n, 'ui.financePage.kinds')
  return listReport(origin, filters, {
    kind: 'reconciliation',
    table: 'reconciliation_differences',
    alias: 'd',
    // Differences have no time of their own: their run's order is their id's.
    orderedBy: 'id',
    filtered: (trx) => records.differencesFiltered(filters.run, trx),
    details: (batch, trx) =>
      batch
        .join('reconciliation_runs as run', 'run.id', 'd.reconciliation_run_id')
        .select(
          'd.*',
          'run.plugin_id',
          trx.raw(`to_char(run.bill_date, 'YYYY-MM-DD') AS bill_day`)
        ),
    toRow: (row) => ({
      billDate: row.bill_day,
      channel: row.plugin_id,
      kind: kind(row.kind),
      paymentNo: row.payment_no,
      refundNo: row.refund_no,
      ourAmount: row.our_amount,
      theirAmount: row.their_amount,
    }),
    shownFilters: ['run'],
    columns: [
      pageColumn('ui.financePage.billDate', 'billDate', 'text', 12),
      pageColumn('ui.financePage.channel', 'channel', 'text', 16),
      pageColumn('ui.financePage.kind', 'kind', 'text', 12),
      pageColumn('ui.financePage.paymentNo', 'paymentNo', 'text', 24),
      pageColumn('ui.financePage.refundNo', 'refundNo', 'text', 24),
      pageColumn('ui.financePage.ourAmount', 'ourAmount', 'money', 12),
      pageColumn('ui.financePage.theirAmount', 'theirAmount', 'money', 12),
    ],
  })
}
