import LedgerQuery, { type LedgerFilters } from '#core/wallet/ledger_query'
import { listReport, type ReportOrigin } from './report_origin.js'

/**
 * The 账户流水 as a report, with the same filters (and project limits) as
 * the page, oldest first, read in keyset batches on (occurred_at, id).
 */
export function ledgerReport(
  origin: ReportOrigin,
  filters: Omit<LedgerFilters, 'before' | 'after'>
) {
  const { tenant, i18n } = origin
  const ledger = new LedgerQuery(tenant)
  const detailLabel = (type: string) => i18n.t(`wallet.detailTypes.${type}`)
  return listReport(origin, filters, {
    kind: 'ledger',
    table: 'ledger_entries',
    alias: 'e',
    orderedBy: 'occurred_at',
    filtered: (trx) => ledger.filtered(filters, trx),
    details: (batch) =>
      batch
        .join('riders as r', 'r.id', 'e.rider_id')
        .join('projects as p', 'p.id', 'e.project_id')
        .leftJoin('staff as s', 's.id', 'e.operator_staff_id')
        .select(
          'e.id',
          'e.entry_no',
          'e.detail_type',
          'e.real_in',
          'e.bonus_in',
          'e.real_out',
          'e.bonus_out',
          'e.real_after',
          'e.bonus_after',
          'e.occurred_at',
          'r.name as rider_name',
          'r.phone',
          'p.name as project_name',
          's.name as operator_name'
        ),
    toRow: (row) => ({
      entryNo: row.entry_no,
      occurredAt: new Date(row.occurred_at),
      riderName: row.rider_name,
      phone: row.phone,
      project: row.project_name,
      detailType: detailLabel(row.detail_type),
      realIn: row.real_in,
      bonusIn: row.bonus_in,
      realOut: row.real_out,
      bonusOut: row.bonus_out,
      realAfter: row.real_after,
      bonusAfter: row.bonus_after,
      operator: row.operator_name,
    }),
    shownFilters: ['name', 'phone', 'entryNo', 'detailType'],
    labels: { detailType: detailLabel },
    columns: [
      ['entryNo', 'text', 22],
      ['occurredAt', 'datetime', 20],
      ['riderName', 'text', 12],
      ['phone', 'text', 14],
      ['project', 'text', 16],
      ['detailType', 'text', 12],
      ['realIn', 'money', 12, true],
      ['bonusIn', 'money', 12, true],
      ['realOut', 'money', 12, true],
      ['bonusOut', 'money', 12, true],
      ['realAfter', 'money', 12],
      ['bonusAfter', 'money', 12],
      ['operator', 'text', 10],
    ],
  })
}
