import type { I18n } from '@adonisjs/i18n'
import { DateTime } from 'luxon'
import LedgerQuery from '#core/wallet/ledger_query'
import type TenantContext from '#core/tenancy/tenant_context'
import type { ReportCell, ReportColumn, ReportTable } from './report_table.js'

const BATCH_SIZE = 1000

/** 账户流水's filters, as the ledger query reads them. */
export type LedgerFilters = Parameters<LedgerQuery['page']>[0]

/** Who and what an export is about, for the heading of its file. */
export interface ReportOrigin {
  tenant: TenantContext
  filters: LedgerFilters
  requestedBy: string
  i18n: I18n
}

const COLUMNS: [string, ReportColumn['kind'], number, boolean?][] = [
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
]

/**
 * The 账户流水 as a report, with the same filters (and project limits) as
 * the page, oldest first. It reads keyset pages of BATCH_SIZE on
 * (occurred_at, id), each in its own short transaction, up to the newest
 * entry that existed when it was counted, so the count and the file agree
 * while new entries keep arriving.
 */
export async function ledgerReport(origin: ReportOrigin): Promise<ReportTable> {
  const { tenant, filters, i18n } = origin
  const ledger = new LedgerQuery(tenant)
  const scope = await tenant.run(async (trx) => {
    const counted = await ledger
      .filtered(filters, trx)
      .count('* as total')
      .max('e.id as last')
      .first()
    const tenantRow = await trx.from('tenants').where('id', tenant.tenantId).select('name').first()
    const project = filters.projectId
      ? await trx
          .from('projects')
          .where({ id: filters.projectId, tenant_id: tenant.tenantId })
          .select('name')
          .first()
      : null
    return {
      total: Number(counted?.total ?? 0),
      last: Number(counted?.last ?? 0),
      tenantName: tenantRow?.name ?? '',
      projectName: project?.name ?? null,
    }
  })

  const detailLabel = (type: string) => i18n.t(`wallet.detailTypes.${type}`)
  const chosen = (['name', 'phone', 'entryNo', 'detailType'] as const)
    .filter((key) => filters[key])
    .map((key) =>
      i18n.t(`exports.filters.${key}`, {
        value: key === 'detailType' ? detailLabel(filters[key]!) : filters[key],
      })
    )
  const open = i18n.t('exports.heading.open')
  const now = DateTime.now().setZone('Asia/Shanghai').toFormat('yyyy-MM-dd HH:mm:ss')

  async function* batches() {
    let after: number | null = null
    while (true) {
      const rows = await tenant.run(async (trx) => {
        const page = ledger.filtered(filters, trx).where('e.id', '<=', scope.last)
        if (after !== null) {
          page.whereRaw(
            `(e.occurred_at, e.id) >
               (SELECT occurred_at, id FROM ledger_entries WHERE id = ? AND tenant_id = ?)`,
            [after, tenant.tenantId]
          )
        }
        const picked = page
          .orderBy('e.occurred_at', 'asc')
          .orderBy('e.id', 'asc')
          .limit(BATCH_SIZE)
          .select('e.*')
        return trx
          .query()
          .from(picked.as('e'))
          .join('riders as r', 'r.id', 'e.rider_id')
          .join('projects as p', 'p.id', 'e.project_id')
          .leftJoin('staff as s', 's.id', 'e.operator_staff_id')
          .orderBy('e.occurred_at', 'asc')
          .orderBy('e.id', 'asc')
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
          )
      })
      if (rows.length === 0) return
      after = Number(rows[rows.length - 1].id)
      yield rows.map((row): Record<string, ReportCell> => ({
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
      }))
      if (rows.length < BATCH_SIZE) return
    }
  }

  return {
    title: i18n.t('exports.titles.ledger'),
    heading: [
      i18n.t('exports.heading.tenant', { name: scope.tenantName }),
      i18n.t('exports.heading.project', {
        name: scope.projectName ?? i18n.t('exports.heading.allProjects'),
      }),
      i18n.t('exports.heading.period', { from: filters.from ?? open, to: filters.to ?? open }),
      i18n.t('exports.heading.filters', {
        filters: chosen.length ? chosen.join('，') : i18n.t('exports.heading.noFilters'),
      }),
      i18n.t('exports.heading.generated', { at: now, by: origin.requestedBy }),
    ],
    columns: COLUMNS.map(([key, kind, width, total]) =>
      kind === 'money'
        ? { key, kind, width, total, header: i18n.t(`exports.columns.${key}`) }
        : { key, kind, width, header: i18n.t(`exports.columns.${key}`) }
    ),
    totalLabel: i18n.t('exports.total'),
    rowsTotal: scope.total,
    pageLabel: (page, pages) => i18n.t('exports.page', { page, pages }),
    batches: batches(),
  }
}
