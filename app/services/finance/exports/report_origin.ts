import type { I18n } from '@adonisjs/i18n'
import { DateTime } from 'luxon'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { DatabaseQueryBuilderContract } from '@adonisjs/lucid/types/querybuilder'
import type TenantContext from '#core/tenancy/tenant_context'
import type { ReportCell, ReportColumn, ReportTable } from './report_table.js'

/** Who asks for a report and in which language; the tenant carries their project limits. */
export interface ReportOrigin {
  tenant: TenantContext
  requestedBy: string
  i18n: I18n
}

/** A column: its row key, kind and width; its header is `exports.columns.<key>` unless named (an i18n key). */
export type ColumnSpec = [
  key: string,
  kind: ReportColumn['kind'],
  width: number,
  total?: boolean,
  header?: string,
]

export function reportColumns(i18n: I18n, specs: ColumnSpec[]): ReportColumn[] {
  return specs.map(([key, kind, width, total, header]) => {
    const title = i18n.t(header ?? `exports.columns.${key}`)
    return kind === 'money'
      ? { key, kind, width, total, header: title }
      : { key, kind, width, header: title }
  })
}

/** A list page's column as the page heads it (`header`, its i18n key); money columns are totalled. */
export function pageColumn(
  header: string,
  key: string,
  kind: ReportColumn['kind'] = 'text',
  width = 14
): ColumnSpec {
  return [key, kind, width, kind === 'money', header]
}

/** A stored time as a report cell (the writers show it in Asia/Shanghai). */
export const cellDate = (value: Date | string | null) => (value ? new Date(value) : null)

/** A value as its page shows it: the page's label under `prefix`, or the value itself when none. */
export function valueLabel(i18n: I18n, prefix: string) {
  return (value: string | null) => {
    if (value === null || value === undefined) return ''
    const key = `${prefix}.${value}`
    return i18n.hasMessage(key) ? i18n.t(key) : value
  }
}

/** The heading lines every report starts with: tenant, project, period, filters, generated at and by. */
type ReportPeriod = { from?: string; to?: string; projectId?: number }

export async function reportHeading(origin: ReportOrigin, period: ReportPeriod, chosen: string[]) {
  const { tenant, i18n } = origin
  const names = await tenant.run(async (trx) => {
    const tenantRow = await trx.from('tenants').where('id', tenant.tenantId).select('name').first()
    const project = period.projectId
      ? await trx
          .from('projects')
          .where({ id: period.projectId, tenant_id: tenant.tenantId })
          .select('name')
          .first()
      : null
    return { tenant: tenantRow?.name ?? '', project: project?.name ?? null }
  })
  const open = i18n.t('exports.heading.open')
  const now = DateTime.now().setZone('Asia/Shanghai').toFormat('yyyy-MM-dd HH:mm:ss')
  return [
    i18n.t('exports.heading.tenant', { name: names.tenant }),
    i18n.t('exports.heading.project', {
      name: names.project ?? i18n.t('exports.heading.allProjects'),
    }),
    i18n.t('exports.heading.period', { from: period.from ?? open, to: period.to ?? open }),
    i18n.t('exports.heading.filters', {
      filters: chosen.length ? chosen.join('，') : i18n.t('exports.heading.noFilters'),
    }),
    i18n.t('exports.heading.generated', { at: now, by: origin.requestedBy }),
  ]
}

const BATCH_SIZE = 1000

/** How a list's rows are read for a report (see keysetReport). */
export interface KeysetSource {
  table: string
  alias: string
  /** The time column the list is ordered by (with id); created_at unless named. */
  orderedBy?: string
  filtered: (trx: TransactionClientContract) => DatabaseQueryBuilderContract
  details: (
    batch: DatabaseQueryBuilderContract,
    trx: TransactionClientContract
  ) => DatabaseQueryBuilderContract
  toRow: (row: any) => Record<string, ReportCell>
}

/**
 * Rows of a filtered list oldest first, in keyset batches on (orderedBy, id)
 * of `table`, each batch in its own short transaction, up to the newest row
 * that existed when it was counted (so the count and the file agree while
 * rows keep arriving). `details` joins names to one batch's rows only.
 */
export async function keysetReport(
  tenant: TenantContext,
  source: KeysetSource
): Promise<{ rowsTotal: number; batches: ReportTable['batches'] }> {
  const { table, alias, orderedBy = 'created_at' } = source
  const scope = await tenant.run(async (trx) => {
    const counted = await source
      .filtered(trx)
      .count('* as total')
      .max(`${alias}.id as last`)
      .first()
    return { total: Number(counted?.total ?? 0), last: Number(counted?.last ?? 0) }
  })

  async function* batches() {
    let after: number | null = null
    while (true) {
      const rows = await tenant.run(async (trx) => {
        const page = source.filtered(trx).where(`${alias}.id`, '<=', scope.last)
        if (after !== null) {
          page.whereRaw(
            `(${alias}.${orderedBy}, ${alias}.id) >
               (SELECT ${orderedBy}, id FROM ${table} WHERE id = ? AND tenant_id = ?)`,
            [after, tenant.tenantId]
          )
        }
        const picked = page
          .orderBy(`${alias}.${orderedBy}`, 'asc')
          .orderBy(`${alias}.id`, 'asc')
          .limit(BATCH_SIZE)
          .select(`${alias}.*`)
        return source
          .details(trx.query().from(picked.as(alias)), trx)
          .orderBy(`${alias}.${orderedBy}`, 'asc')
          .orderBy(`${alias}.id`, 'asc')
      })
      if (rows.length === 0) return
      after = Number(rows[rows.length - 1].id)
      yield rows.map(source.toRow)
      if (rows.length < BATCH_SIZE) return
    }
  }
  return { rowsTotal: scope.total, batches: batches() }
}

/** The filters a list was narrowed by, as heading text ("状态 已支付，手机号 138…"). */
export function chosenFilters(
  i18n: I18n,
  filters: object,
  keys: string[],
  labels: Record<string, (value: any) => string> = {}
) {
  const values = filters as Record<string, unknown>
  return keys
    .filter((key) => values[key] !== undefined && values[key] !== null && values[key] !== '')
    .map((key) =>
      i18n.t(`exports.filters.${key}`, {
        value: labels[key] ? labels[key](values[key]) : String(values[key]),
      })
    )
}

/** A report's table: its title, heading and columns around rows read in batches. */
export function reportTable(
  origin: ReportOrigin,
  kind: string,
  heading: string[],
  columns: ColumnSpec[],
  rows: Pick<ReportTable, 'rowsTotal' | 'batches'>
): ReportTable {
  const { i18n } = origin
  return {
    title: i18n.t(`exports.titles.${kind}`),
    heading,
    columns: reportColumns(i18n, columns),
    totalLabel: i18n.t('exports.total'),
    pageLabel: (page, pages) => i18n.t('exports.page', { page, pages }),
    ...rows,
  }
}

/** A list page as a report: its rows (see keysetReport), the filters it was narrowed by, its columns. */
export interface ListReport<Filters> extends KeysetSource {
  kind: string
  /** The filters named in the heading, in order, and how their values read. */
  shownFilters: (keyof Filters & string)[]
  labels?: Record<string, (value: any) => string>
  columns: ColumnSpec[]
}

/** A list page as a report, with the page's filters, oldest first. */
export async function listReport<Filters extends object>(
  origin: ReportOrigin,
  filters: Filters,
  report: ListReport<Filters>
): Promise<ReportTable> {
  const rows = await keysetReport(origin.tenant, report)
  const chosen = chosenFilters(origin.i18n, filters, report.shownFilters, report.labels)
  // Lists without a period or a project (管理员, 对账差异) head theirs as 不限 and 全部项目.
  const heading = await reportHeading(origin, filters as ReportPeriod, chosen)
  return reportTable(origin, report.kind, heading, report.columns, rows)
}
