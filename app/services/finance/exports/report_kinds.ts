import type { Permission } from '#core/access/permissions'
import ExportRefusal from './export_refusal.js'
import type { LedgerFilters } from '#core/wallet/ledger_query'
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
| needs and how its ReportTable is built; its filters are the list page's
| own query string, validated at the edge by the page's validator (see
| reportFiltersValidators in #validators/finance/export_validator). The HTTP
| export, the `exports.run` job, the `report:export` command and scheduled
| statements all go through it.
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

/** A report's filters as its page's validator gives them: with the paging anchors. */
export type PagedReportFilters<Kind extends ReportKind> = ReportFiltersOf[Kind] & {
  before?: number
  after?: number
}

interface ReportDefinition<Filters> {
  permission: Permission
  build(origin: ReportOrigin, filters: Filters): Promise<ReportTable>
}

export const REPORTS: { [Kind in ReportKind]: ReportDefinition<ReportFiltersOf[Kind]> } = {
  ledger: {
    permission: 'finance.export',
    build: ledgerReport,
  },
  orders: { permission: 'finance.export', build: ordersReport },
  payments: {
    permission: 'finance.export',
    build: paymentsReport,
  },
  refunds: {
    permission: 'finance.export',
    build: refundsReport,
  },
  monthly: {
    permission: 'finance.export',
    build: monthlyReport,
  },
}

export function isReportKind(value: string): value is ReportKind {
  return (REPORT_KINDS as readonly string[]).includes(value)
}

/**
 * The filters kept with an export: the validated page filters
 * without paging anchors; a period whose start is after its end is refused.
 */
export function reportFilters<Kind extends ReportKind>(
  validated: PagedReportFilters<Kind>
): ReportFiltersOf[Kind] {
  const { before, after, ...kept } = validated
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
