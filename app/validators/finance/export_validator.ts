import vine from '@vinejs/vine'
import {
  reportFilters,
  type PagedReportFilters,
  type ReportKind,
} from '#services/finance/exports/report_kinds'
import {
  paymentRecordsValidator,
  reconciliationPageValidator,
  refundRecordsValidator,
} from '#validators/finance/finance_validator'
import { boundCardsValidator, cardInventoryValidator } from '#validators/cards/card_validator'
import { refundRequestListValidator } from '#validators/h5_validator'
import { auditLogFilterValidator } from '#validators/logs/audit_log_validator'
import { pileListValidator, stationListValidator } from '#validators/operations/device_validator'
import { orderFiltersValidator } from '#validators/orders/order_validator'
import { ledgerFilterValidator } from '#validators/riders/ledger_validator'
import { riderListValidator } from '#validators/riders/rider_validator'
import { ownerStatementValidator } from '#validators/data/owner_statement_validator'

// Calendar days, read in Asia/Shanghai by the reports.
const day = () =>
  vine
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/)

/** Starting an export: the format; the list's filters are validated by the list's own validator. */
export const exportStartValidator = vine.create({
  format: vine.enum(['xlsx', 'pdf'] as const),
})

export const exportIdValidator = vine.create({
  params: vine.object({ id: vine.number().withoutDecimals().min(1) }),
})

/** 月度汇总: a period (a month: its first and last day) of the tenant or one project. */
export const monthlyReportValidator = vine.create({
  from: day(),
  to: day(),
  projectId: vine.number().withoutDecimals().min(1).optional(),
})

/** 管理员 lists every staff member: it has no filters. */
const staffReportValidator = vine.create({})

/** The page validator of each exportable report: an export takes the list's own filters. */
const reportFiltersValidators: {
  [Kind in ReportKind]: { validate(data: unknown): Promise<PagedReportFilters<Kind>> }
} = {
  ledger: ledgerFilterValidator,
  orders: orderFiltersValidator,
  payments: paymentRecordsValidator,
  refunds: refundRecordsValidator,
  monthly: monthlyReportValidator,
  riders: riderListValidator,
  cards: boundCardsValidator,
  cardStock: cardInventoryValidator,
  abnormalOrders: orderFiltersValidator,
  refundRequests: refundRequestListValidator,
  reconciliation: reconciliationPageValidator,
  operationLogs: auditLogFilterValidator,
  loginLogs: auditLogFilterValidator,
  stations: stationListValidator,
  piles: pileListValidator,
  staff: staffReportValidator,
  owner_statement: ownerStatementValidator,
}

/**
 * The filters of a report, validated by its page's validator (a VineJS
 * error on bad input) and kept without paging anchors (see reportFilters).
 */
export async function validateReportFilters<Kind extends ReportKind>(kind: Kind, data: unknown) {
  const validated = await reportFiltersValidators[kind].validate(data ?? {})
  return reportFilters<Kind>(validated)
}
