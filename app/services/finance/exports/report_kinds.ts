import type { Permission } from '#core/access/permissions'
import { REPORT_KINDS, REPORT_PERMISSIONS, type ReportKind } from './report_permissions.js'
import ExportRefusal from './export_refusal.js'
import type { LedgerFilters } from '#core/wallet/ledger_query'
import { ledgerReport } from './ledger_report.js'
import {
  abnormalOrdersReport,
  ordersReport,
  paymentsReport,
  reconciliationReport,
  refundRequestsReport,
  refundsReport,
  type OrderReportFilters,
  type PaymentReportFilters,
  type ReconciliationReportFilters,
  type RefundReportFilters,
  type RefundRequestReportFilters,
} from './list_reports.js'
import {
  cardStockReport,
  cardsReport,
  loginLogsReport,
  operationLogsReport,
  pilesReport,
  ridersReport,
  staffReport,
  stationsReport,
  type AuditReportFilters,
  type CardReportFilters,
  type PileReportFilters,
  type RiderReportFilters,
  type StaffReportFilters,
  type StationReportFilters,
} from './back_office_reports.js'
import { monthlyReport, type MonthlyReportFilters } from './monthly_report.js'
import { ownerStatementReport, type OwnerStatementFilters } from './owner_statement_report.js'
import type { ReportOrigin } from './report_origin.js'
import type { ReportTable } from './report_table.js'

/*
| The one registry of exportable reports: how each kind's ReportTable is
| built, beside the permission it needs (report_permissions.ts); its
| filters are the list page's own query string, validated at the edge by
| the page's validator (see reportFiltersValidators in
| #validators/finance/export_validator). The HTTP
| export, the `exports.run` job, the `report:export` command and scheduled
| statements all go through it.
*/
export { REPORT_KINDS, REPORT_PERMISSIONS, type ReportKind }

/** The filters kept with an export (paging and sorting dropped). */
export interface ReportFiltersOf {
  ledger: Omit<LedgerFilters, 'before' | 'after'>
  orders: OrderReportFilters
  payments: PaymentReportFilters
  refunds: RefundReportFilters
  monthly: MonthlyReportFilters
  riders: RiderReportFilters
  cards: CardReportFilters
  cardStock: CardReportFilters
  abnormalOrders: OrderReportFilters
  refundRequests: RefundRequestReportFilters
  reconciliation: ReconciliationReportFilters
  operationLogs: AuditReportFilters
  loginLogs: AuditReportFilters
  stations: StationReportFilters
  piles: PileReportFilters
  staff: StaffReportFilters
  owner_statement: OwnerStatementFilters
}
export type ReportFilters = ReportFiltersOf[ReportKind]

/** A report's filters as its page's validator gives them: with its paging and sorting. */
export type PagedReportFilters<Kind extends ReportKind> = ReportFiltersOf[Kind] & {
  before?: number
  after?: number
  page?: number
  perPage?: number
  differencesPage?: number
  sortBy?: string
  sortOrder?: 'asc' | 'desc'
}

type ReportBuilder<Filters> = (origin: ReportOrigin, filters: Filters) => Promise<ReportTable>

/** How each kind's ReportTable is built; the permission it needs is REPORT_PERMISSIONS'. */
export const REPORTS: { [Kind in ReportKind]: ReportBuilder<ReportFiltersOf[Kind]> } = {
  ledger: ledgerReport,
  payments: paymentsReport,
  refunds: refundsReport,
  monthly: monthlyReport,
  refundRequests: refundRequestsReport,
  reconciliation: reconciliationReport,
  orders: ordersReport,
  abnormalOrders: abnormalOrdersReport,
  riders: ridersReport,
  cards: cardsReport,
  cardStock: cardStockReport,
  stations: stationsReport,
  piles: pilesReport,
  operationLogs: operationLogsReport,
  loginLogs: loginLogsReport,
  staff: staffReport,
  // An owner account exports its own statement only (the report refuses any other owner).
  owner_statement: ownerStatementReport,
}

/** The kinds a staff member may export (and see in 下载中心). */
export function exportableKinds(can: (permission: Permission) => boolean): ReportKind[] {
  return REPORT_KINDS.filter((kind) => can(REPORT_PERMISSIONS[kind]))
}

export function isReportKind(value: string): value is ReportKind {
  return (REPORT_KINDS as readonly string[]).includes(value)
}

/**
 * The filters kept with an export: the validated page filters without
 * paging and sorting (a report reads the whole list oldest first); a
 * period whose start is after its end is refused.
 */
export function reportFilters<Kind extends ReportKind>(
  validated: PagedReportFilters<Kind>
): ReportFiltersOf[Kind] {
  const { before, after, page, perPage, differencesPage, sortBy, sortOrder, ...kept } = validated
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
  return REPORTS[kind](origin, filters)
}
