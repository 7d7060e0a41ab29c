import { inject } from '@adonisjs/core'
import { DateTime } from 'luxon'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import TenantContext from '#core/tenancy/tenant_context'
import {
  orderElectricityFen,
  ownerShareFen,
  type ElectricityTariff,
  type OwnerShare,
} from '#services/data/electricity_cost'
import type {
  ProfitFigures,
  ProjectFigures,
  StationFigures,
} from '#services/data/owner_figure_rows'

const ZONE = 'Asia/Shanghai'

export type FiguresQuery = {
  /** The period [start, end), see monthBounds and dayBounds. */
  period: { start: Date; end: Date }
  ownerId?: number | null
  projectId?: number | null
  stationId?: number | null
}

/** The Shanghai month (`yyyy-MM`) as [start, end) in UTC. */
export function monthBounds(month: string) {
  const start = DateTime.fromFormat(month, 'yyyy-MM', { zone: ZONE }).startOf('month')
  return { start: start.toUTC().toJSDate(), end: start.plus({ months: 1 }).toUTC().toJSDate() }
}

/** Shanghai calendar days `from`..`to` (both included) as [start, end) in UTC. */
export function dayBounds(from: string, to: string) {
  const start = DateTime.fromISO(from, { zone: ZONE }).startOf('day')
  const end = DateTime.fromISO(to, { zone: ZONE }).plus({ days: 1 }).startOf('day')
  return { start: start.toUTC().toJSDate(), end: end.toUTC().toJSDate() }
}

/** Station figures summed per project, in the stations' order. */
export function projectFigures(stations: StationFigures[]): ProjectFigures[] {
  const projects = new Map<number, ProjectFigures>()
  for (const station of stations) {
    const sum = projects.get(station.projectId) ?? {
      projectId: station.projectId,
      projectName: station.projectName,
      orders: 0,
      energyWh: 0,
      revenue: 0,
      refunds: 0,
      net: 0,
      electricityCost: 0,
      ownerShare: 0,
      profit: 0,
    }
    for (const key of FIGURES) sum[key] += station[key]
    projects.set(station.projectId, sum)
  }
  return [...projects.values()]
}

const FIGURES = [
  'orders',
  'energyWh',
  'revenue',
  'refunds',
  'net',
  'electricityCost',
  'ownerShare',
  'profit',
] as const

/**
 * The owner a staff member is tied to (staff.owner_id): an owner account sees
 * only that owner's stations. A holder of the 业主 role not tied to any owner
 * sees none (0 matches no owner). Null for everyone else and for system work.
 */
export async function ownerScopeOf(tenant: TenantContext, trx: TransactionClientContract) {
  if (tenant.staffId === null) return null
  const { rows } = await trx.rawQuery(
    `SELECT s.owner_id,
            EXISTS (SELECT 1 FROM staff_roles sr JOIN roles r ON r.id = sr.role_id
                     WHERE sr.staff_id = s.id AND r.builtin_key = 'owner') AS owner_role
       FROM staff s WHERE s.id = ?`,
    [tenant.staffId]
  )
  const row = rows[0] as { owner_id: string | number | null; owner_role: boolean } | undefined
  if (row?.owner_id) return Number(row.owner_id)
  return row?.owner_role ? 0 : null
}

/**
 * Per station and period, from its orders: an order counts in the period it
 * was settled in (Shanghai days or months), if settled or later refunded. Revenue is what the
 * rider paid (billed amount less the coupon); a refunded order's amount is
 * also a refund; net = revenue − refunds. Energy counts every such order.
 * The owner's share is figured on the station's period (percent of net, or
 * per kWh), the electricity cost per order (electricity_cost.ts), and
 * profit = net − electricity cost − owner share.
 */
@inject()
export default class OwnerFigures {
  constructor(protected tenant: TenantContext) {}

  /** 利润 of a period: stations with any order, and their projects. */
  profit(query: FiguresQuery): Promise<ProfitFigures> {
    return this.tenant.run(async (trx) => {
      const figures = await this.stationsWithin(trx, query)
      const stations = figures.filter((row) => row.orders > 0)
      return { projects: projectFigures(stations), stations }
    })
  }

  async stationsWithin(trx: TransactionClientContract, query: FiguresQuery) {
    const { start, end } = query.period
    const tenantId = this.tenant.tenantId
    const scope = await ownerScopeOf(this.tenant, trx)
    const stations = trx
      .from('stations as s')
      .join('projects as p', 'p.id', 's.project_id')
      .leftJoin('owners as w', 'w.id', 's.owner_id')
      .where('s.tenant_id', tenantId)
    this.tenant.limitToProjects(stations, 's.project_id')
    if (scope !== null) stations.where('s.owner_id', scope)
    if (query.ownerId) stations.where('s.owner_id', query.ownerId)
    if (query.projectId) stations.where('s.project_id', query.projectId)
    if (query.stationId) stations.where('s.id', query.stationId)
    const rows = await stations
      .orderBy('s.id')
      .select(
        's.id',
        's.name',
        's.project_id',
        'p.name as project_name',
        's.owner_id',
        'w.name as owner_name',
        's.owner_share_kind',
        's.owner_share_value',
        's.electricity_tariff'
      )
    if (rows.length === 0) return []
    const ids = rows.map((row) => Number(row.id))
    const counted = () =>
      trx
        .from('charging_orders as o')
        .where('o.tenant_id', tenantId)
        .whereIn('o.station_id', ids)
        .whereIn('o.status', ['settled', 'refunded'])
        .where('o.settled_at', '>=', start)
        .where('o.settled_at', '<', end)
    const sums = await counted()
      .groupBy('o.station_id')
      .select(
        'o.station_id',
        trx.raw('count(*)::int AS orders'),
        trx.raw('COALESCE(SUM(o.energy_wh), 0)::bigint AS energy_wh'),
        trx.raw('COALESCE(SUM(o.amount_fen - o.coupon_discount_fen), 0)::bigint AS revenue'),
        trx.raw(
          `COALESCE(SUM(o.amount_fen - o.coupon_discount_fen)
             FILTER (WHERE o.status = 'refunded'), 0)::bigint AS refunds`
        )
      )
    const byStation = new Map(sums.map((row) => [Number(row.station_id), row]))
    const tariffs = new Map<number, ElectricityTariff>()
    for (const row of rows) {
      if (row.electricity_tariff) tariffs.set(Number(row.id), row.electricity_tariff)
    }
    const costs = new Map<number, number>()
    if (tariffs.size > 0) {
      const charges = await counted()
        .whereIn('o.station_id', [...tariffs.keys()])
        .select('o.station_id', 'o.started_at', 'o.ended_at', 'o.energy_wh')
      for (const charge of charges) {
        const stationId = Number(charge.station_id)
        const cost = orderElectricityFen(
          { startedAt: charge.started_at, endedAt: charge.ended_at, energyWh: charge.energy_wh },
          tariffs.get(stationId)!
        )
        costs.set(stationId, (costs.get(stationId) ?? 0) + cost)
      }
    }
    return rows.map((row): StationFigures => {
      const sum = byStation.get(Number(row.id))
      const revenue = Number(sum?.revenue ?? 0)
      const refunds = Number(sum?.refunds ?? 0)
      const energyWh = Number(sum?.energy_wh ?? 0)
      const net = revenue - refunds
      const share: OwnerShare | null = row.owner_share_kind
        ? { kind: row.owner_share_kind, value: row.owner_share_value }
        : null
      const ownerShare = ownerShareFen(share, net, energyWh)
      const electricityCost = costs.get(Number(row.id)) ?? 0
      return {
        stationId: Number(row.id),
        stationName: row.name,
        projectId: Number(row.project_id),
        projectName: row.project_name,
        ownerId: row.owner_id === null ? null : Number(row.owner_id),
        ownerName: row.owner_name,
        share,
        orders: Number(sum?.orders ?? 0),
        energyWh,
        revenue,
        refunds,
        net,
        electricityCost,
        ownerShare,
        profit: net - electricityCost - ownerShare,
      }
    })
  }
}
