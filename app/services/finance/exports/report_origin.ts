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

export type ColumnSpec = [key: string, kind: ReportColumn['kind'], width: number, total?: boolean]

export function reportColumns(i18n: I18n, specs: ColumnSpec[]): ReportColumn[] {
  return specs.map(([key, kind, width, total]) =>
    kind === 'money'
      ? { key, kind, width, total, header: i18n.t(`exports.columns.${key}`) }
      : { key, kind, width, header: i18n.t(`exports.columns.${key}`) }
  )
}

/** The heading lines every report starts with: tenant, project, period, filters, generated at and by. */
export async function reportHeading(
  origin: ReportOrigin,
  period: { from?: string; to?: string; projectId?: number },
  chosenFilters: string[]
) {
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
      filters: chosenFilters.length
        ? chosenFilters.join('，')
        : i18n.t('exports.heading.noFilters'),
    }),
    i18n.t('exports.heading.generated', { at: now, by: origin.requestedBy }),
  ]
}

const BATCH_SIZE = 1000

/**
 * Rows of a filtered list oldest first, in keyset batches on (created_at, id)
 * of `table`, each batch in its own short transaction, up to the newest row
 * that existed when it was counted (so the count and the file agree while
 * rows keep arriving). `details` joins names to one batch's rows only.
 */
export async function keysetReport(
  tenant: TenantContext,
  source: {
    table: string
    alias: string
    filtered: (trx: TransactionClientContract) => DatabaseQueryBuilderContract
    details: (
      batch: DatabaseQueryBuilderContract,
      trx: TransactionClientContract
    ) => DatabaseQueryBuilderContract
    toRow: (row: any) => Record<string, ReportCell>
  }
): Promise<{ rowsTotal: number; batches: ReportTable['batches'] }> {
  const { table, alias } = source
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
            `(${alias}.created_at, ${alias}.id) >
               (SELECT created_at, id FROM ${table} WHERE id = ? AND tenant_id = ?)`,
            [after, tenant.tenantId]
          )
        }
        const picked = page
          .orderBy(`${alias}.created_at`, 'asc')
          .orderBy(`${alias}.id`, 'asc')
          .limit(BATCH_SIZE)
          .select(`${alias}.*`)
        return source
          .details(trx.query().from(picked.as(alias)), trx)
          .orderBy(`${alias}.created_at`, 'asc')
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
