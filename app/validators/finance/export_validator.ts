import vine from '@vinejs/vine'
import {
  reportFilters,
  type PagedReportFilters,
  type ReportKind,
} from '#services/finance/exports/report_kinds'
import {
  paymentRecordsValidator,
  refundRecordsValidator,
} from '#validators/finance/finance_validator'
import { orderFiltersValidator } from '#validators/orders/order_validator'
import { ledgerFilterValidator } from '#validators/riders/ledger_validator'

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

/** The page validator of each exportable report: an export takes the list's own filters. */
const reportFiltersValidators: {
  [Kind in ReportKind]: { validate(data: unknown): Promise<PagedReportFilters<Kind>> }
} = {
  ledger: ledgerFilterValidator,
  orders: orderFiltersValidator,
  payments: paymentRecordsValidator,
  refunds: refundRecordsValidator,
  monthly: monthlyReportValidator,
}

/**
 * The filters of a report, validated by its page's validator (a VineJS
 * error on bad input) and kept without paging anchors (see reportFilters).
 */
export async function validateReportFilters<Kind extends ReportKind>(kind: Kind, data: unknown) {
  const validated = await reportFiltersValidators[kind].validate(data ?? {})
  return reportFilters<Kind>(validated)
}
