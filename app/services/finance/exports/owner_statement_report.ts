import { DateTime } from 'luxon'
import OwnerFigures, { monthBounds, ownerScopeOf } from '#services/data/owner_figures'
import type { StationFigures } from '#services/data/owner_figure_rows'
import OwnerRefusal from '#services/operations/owner_refusal'
import { reportHeading, reportTable, type ReportOrigin } from './report_origin.js'
import type { ReportCell, ReportTable } from './report_table.js'

export type OwnerStatementFilters = {
  ownerId: number
  /** `yyyy-MM`, a Shanghai calendar month. */
  month: string
}

/** kWh with three decimals, from Wh (exact: integer arithmetic). */
export function kwh(energyWh: number) {
  return `${Math.trunc(energyWh / 1000)}.${String(Math.abs(energyWh % 1000)).padStart(3, '0')}`
}

/** How a station shares: 15.00% or ¥0.08/kWh. */
export function shareText(share: StationFigures['share']) {
  if (!share) return ''
  return share.kind === 'percent'
    ? `${(share.value / 100).toFixed(2)}%`
    : `¥${(share.value / 100).toFixed(2)}/kWh`
}

/**
 * 业主对账单: one row per station of the owner in a Shanghai month, with its
 * orders, energy, revenue, refunds, net, the share and the amount due
 * (OwnerFigures); the totals row is their sum. An owner account may ask
 * only for its own owner; any other owner, like another tenant's, is refused.
 */
export async function ownerStatementReport(
  origin: ReportOrigin,
  filters: OwnerStatementFilters
): Promise<ReportTable> {
  const { tenant, i18n } = origin
  const { owner, stations } = await tenant.run(async (trx) => {
    const scope = await ownerScopeOf(tenant, trx)
    const found = await trx
      .from('owners')
      .where({ id: filters.ownerId, tenant_id: tenant.tenantId })
      .select('id', 'name')
      .first()
    if (!found || (scope !== null && scope !== Number(found.id))) {
      throw new OwnerRefusal('notYourOwner')
    }
    const figures = await new OwnerFigures(tenant).stationsWithin(trx, {
      period: monthBounds(filters.month),
      ownerId: filters.ownerId,
    })
    return { owner: found, stations: figures }
  })
  const rows = stations.map((station): Record<string, ReportCell> => ({
    project: station.projectName,
    station: station.stationName,
    ownerOrders: String(station.orders),
    energyKwh: kwh(station.energyWh),
    revenue: station.revenue,
    refunds: station.refunds,
    net: station.net,
    share: shareText(station.share),
    ownerDue: station.ownerShare,
  }))
  const month = DateTime.fromFormat(filters.month, 'yyyy-MM', { zone: 'Asia/Shanghai' })
  async function* batches() {
    // One row per station of one owner: one batch.
    yield rows
  }
  return reportTable(
    origin,
    'owner_statement',
    await reportHeading(
      origin,
      { from: month.startOf('month').toISODate()!, to: month.endOf('month').toISODate()! },
      [i18n.t('exports.filters.owner', { value: owner.name })]
    ),
    [
      ['project', 'text', 14],
      ['station', 'text', 16],
      ['ownerOrders', 'text', 8],
      ['energyKwh', 'text', 12],
      ['revenue', 'money', 12, true],
      ['refunds', 'money', 12, true],
      ['net', 'money', 12, true],
      ['share', 'text', 12],
      ['ownerDue', 'money', 12, true],
    ],
    { rowsTotal: rows.length, batches: batches() }
  )
}
