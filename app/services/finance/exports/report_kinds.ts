import type { Permission } from '#core/access/permissions'
import { ledgerFilterValidator, type LedgerFilters } from '#validators/riders/ledger_validator'
import { orderFiltersValidator } from '#validators/orders/order_validator'
import {
  paymentRecordsValidator,
  refundRecordsValidator,
} from '#validators/finance/finance_validator'
import { monthlyReportValidator } from '#validators/finance/export_validator'
import ExportRefusal from './export_refusal.js'
import { ledgerReport } from './ledger_report.js'
import {
  ordersReport,
  paymentsReport,
  refundsReport,
  type OrderReportFilters,
  type PaymentReportFilters,
  type RefundReportFilters,
} from './list_reports.js'
import { monthlyReport, type MonthlyReportFilters } from './monthly_report.js'
import type { ReportOrigin } from './report_origin.js'
import type { ReportTable } from './report_table.js'

/*
| The one registry of exportable reports. Each kind names the permission it
| needs, how its filters (the list page's own query string) are validated,
| and how its ReportTable is built. The HTTP export, the `exports.run` job,
| the `report:export` command and scheduled statements all go through it.
*/
export const REPORT_KINDS = ['ledger', 'orders', 'payments', 'refunds', 'monthly'] as const
export type ReportKind = (typeof REPORT_KINDS)[number]

/** The filters kept with an export (paging anchors dropped). */
export interface ReportFiltersOf {
  ledger: Omit<LedgerFilters, 'before' | 'after'>
  orders: OrderReportFilters
  payments: PaymentReportFilters
  refunds: RefundReportFilters
  monthly: MonthlyReportFilters
}
export type ReportFilters = ReportFiltersOf[ReportKind]

interface ReportDefinition<Filters> {
  permission: Permission
  validator: { validate(data: unknown): Promise<Filters & { before?: number; after?: number }> }
  build(origin: ReportOrigin, filters: Filters): Promise<ReportTable>
}

export const REPORTS: { [Kind in ReportKind]: ReportDefinition<ReportFiltersOf[Kind]> } = {
  ledger: {
    permission: 'finance.export',
    validator: ledgerFilterValidator,
    build: (origin, filters) => ledgerReport({ ...origin, filters }),
  },
  orders: { permission: 'finance.export', validator: orderFiltersValidator, build: ordersReport },
  payments: {
    permission: 'finance.export',
    validator: paymentRecordsValidator,
    build: paymentsReport,
  },
  refunds: {
    permission: 'finance.export',
    validator: refundRecordsValidator,
    build: refundsReport,
  },
  monthly: {
    permission: 'finance.export',
    validator: monthlyReportValidator,
    build: monthlyReport,
  },
}

export function isReportKind(value: string): value is ReportKind {
  return (REPORT_KINDS as readonly string[]).includes(value)
}

/**
 * The filters of a report, validated (a VineJS error on bad input) and
 * without paging anchors; a period whose start is after its end is refused.
 */
export async function reportFilters<Kind extends ReportKind>(
  kind: Kind,
  data: unknown
): Promise<ReportFiltersOf[Kind]> {
  const { before, after, ...kept } = await REPORTS[kind].validator.validate(data ?? {})
  const period = kept as { from?: string; to?: string }
  if (period.from && period.to && period.from > period.to) {
    throw new ExportRefusal('invalidPeriod')
  }
  return kept as ReportFiltersOf[Kind]
}

/** The report of `kind`, read as `origin.tenant` (its project limits apply). */
export function buildReport<Kind extends ReportKind>(
  kind: Kind,
  origin: ReportOrigin,
  filters: ReportFiltersOf[Kind]
): Promise<ReportTable> {
  return REPORTS[kind].build(origin, filters)
}
