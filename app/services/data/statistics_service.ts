import { inject } from '@adonisjs/core'
import { DateTime } from 'luxon'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import TenantContext from '#core/tenancy/tenant_context'
import ChargingOrder from '#models/charging_order'
import type {
  Statistics,
  StatisticsBreakdown,
  StatisticsDay,
  StatisticsRange,
} from '#services/data/statistics_rows'

export type { Statistics, StatisticsBreakdown, StatisticsDay, StatisticsRange }

const ZONE = 'Asia/Shanghai'
const DEFAULT_DAYS = 30
const TOP_STATIONS = 10

/** 数据's filters: both days or neither (Shanghai YYYY-MM-DD, at most a year apart), and the scope. */
export interface StatisticsFilters {
  from?: string
  to?: string
  projectId?: number
  stationId?: number
  vendorId?: number
}

type Scope = { sql: string; bindings: (string | number)[] }

/**
 * 数据: aggregates over charging orders, piles and riders for a range of
 * Shanghai days, computed in SQL inside the tenant's transaction (RLS holds)
 * and limited to the projects the staff member may see.
 *
 * Orders, revenue and energy count by the day an order was placed; revenue
 * is the settled amount of orders still settled (a refunded order gave its
 * money back; cancelled orders are not orders). Utilisation spreads each
 * charge over the days it overlaps, against the port-minutes of the piles
 * now active, each from when it was registered. The queries stay SQL (day
 * series, overlaps, FILTER sums): the query builder would only wrap them.
 */
@inject()
export default class StatisticsService {
  constructor(protected tenant: TenantContext) {}

  /** The range asked for, or the last 30 days up to today. */
  static range(filters: StatisticsFilters): StatisticsRange {
    const today = DateTime.now().setZone(ZONE).startOf('day')
    return {
      from: filters.from ?? today.minus({ days: DEFAULT_DAYS - 1 }).toISODate()!,
      to: filters.to ?? today.toISODate()!,
      projectId: filters.projectId ?? null,
      stationId: filters.stationId ?? null,
      vendorId: filters.vendorId ?? null,
    }
  }

  /** What the filters offer: the projects, stations and vendors this staff member may see. */
  options() {
    const tenantId = this.tenant.tenantId
    return this.tenant.run(async (trx) => {
      const projects = await this.tenant
        .limitToProjects(trx.from('projects').where('tenant_id', tenantId), 'id')
        .orderBy('id')
        .select('id', 'name')
      const stations = await this.tenant
        .limitToProjects(trx.from('stations').where('tenant_id', tenantId))
        .orderBy('id')
        .select('id', 'name', 'project_id as projectId')
      const vendors = await trx
        .from('vendors')
        .where('tenant_id', tenantId)
        .orderBy('id')
        .select('id', 'name')
      return {
        projects: projects as { id: number; name: string }[],
        stations: stations as { id: number; name: string; projectId: number }[],
        vendors: vendors as { id: number; name: string }[],
      }
    })
  }

  compute(filters: StatisticsFilters): Promise<Statistics> {
    const range = StatisticsService.range(filters)
    return this.tenant.run(async (trx) => {
      // One transaction runs one query at a time: these go in turn.
      const daily = await this.#daily(trx, range)
      const newRiders = await this.#newRiders(trx, range)
      const byProject = await this.#breakdown(trx, range, 'projects', 'project_id')
      const byStation = await this.#breakdown(trx, range, 'stations', 'station_id')
      const byVendor = await this.#breakdown(trx, range, 'vendors', 'vendor_id')
      const peakHours = await this.#peakHours(trx, range)
      return {
        range,
        daily: daily.map((day) => ({ ...day, newRiders: newRiders.get(day.day) ?? 0 })),
        byProject,
        byStation,
        byVendor,
        topStations: byStation.filter((station) => station.orders > 0).slice(0, TOP_STATIONS),
        peakHours,
      }
    })
  }

  /** UTC bounds of the range's Shanghai days: [start, end). */
  #bounds(range: StatisticsRange) {
    const start = DateTime.fromISO(range.from, { zone: ZONE }).startOf('day')
    const end = DateTime.fromISO(range.to, { zone: ZONE }).plus({ days: 1 }).startOf('day')
    return { start: start.toUTC().toISO()!, end: end.toUTC().toISO()! }
  }

  /** The tenant, the staff member's projects and the filters, on a table aliased `alias`. */
  #scope(alias: string, range: StatisticsRange, columns = { station: true, vendor: true }): Scope {
    const clauses = [`${alias}.tenant_id = ?`]
    const bindings: (string | number)[] = [this.tenant.tenantId]
    if (this.tenant.projectIds !== null) {
      clauses.push(`${alias}.project_id = ANY(?::bigint[])`)
      bindings.push(`{${this.tenant.projectIds.join(',')}}`)
    }
    if (range.projectId !== null) {
      clauses.push(`${alias}.project_id = ?`)
      bindings.push(range.projectId)
    }
    if (columns.station && range.stationId !== null) {
      clauses.push(`${alias}.station_id = ?`)
      bindings.push(range.stationId)
    }
    if (columns.vendor && range.vendorId !== null) {
      clauses.push(`${alias}.vendor_id = ?`)
      bindings.push(range.vendorId)
    }
    return { sql: clauses.join(' AND '), bindings }
  }

  async #daily(trx: TransactionClientContract, range: StatisticsRange) {
    const { start, end } = this.#bounds(range)
    const orders = this.#scope('o', range)
    const piles = this.#scope('p', range)
    const days = `SELECT day::date AS day,
        (day::timestamp AT TIME ZONE '${ZONE}') AS day_start,
        ((day + interval '1 day')::timestamp AT TIME ZONE '${ZONE}') AS day_end
      FROM generate_series(?::date, ?::date, interval '1 day') AS day`
    // A charge without an end yet runs until now while charging; otherwise for its recorded duration.
    const chargeEnd = `COALESCE(o.ended_at, CASE WHEN o.status = 'charging' THEN now()
        ELSE o.started_at + o.duration_seconds * interval '1 second' END)`
    const { rows } = await trx.rawQuery(
      `WITH days AS (${days}),
       placed AS (
         SELECT (o.created_at AT TIME ZONE '${ZONE}')::date AS day,
           count(*) FILTER (WHERE o.status <> 'cancelled') AS orders,
           COALESCE(sum(o.amount_fen) FILTER (WHERE o.status = 'settled'), 0)::bigint AS revenue_fen,
           COALESCE(sum(o.energy_wh) FILTER (WHERE o.status <> 'cancelled'), 0)::bigint AS energy_wh
         FROM ${ChargingOrder.table} o
         WHERE ${orders.sql} AND o.created_at >= ? AND o.created_at < ?
         GROUP BY 1),
       charging AS (
         SELECT d.day, sum(extract(epoch FROM
             least(${chargeEnd}, d.day_end) - greatest(o.started_at, d.day_start))) / 60 AS minutes
         FROM days d
         JOIN ${ChargingOrder.table} o ON o.started_at < d.day_end AND ${chargeEnd} > d.day_start
         WHERE ${orders.sql} AND o.started_at IS NOT NULL
           -- Charges last hours, not days: the created_at index bounds the scan.
           AND o.created_at >= ?::timestamptz - interval '2 days' AND o.created_at < ?
         GROUP BY d.day),
       available AS (
         SELECT d.day, sum(p.port_count * extract(epoch FROM
             least(d.day_end, now()) - greatest(d.day_start, p.created_at))) / 60 AS minutes
         FROM days d
         JOIN piles p ON p.created_at < least(d.day_end, now()) AND d.day_start < now()
         WHERE ${piles.sql} AND p.status = 'active'
         GROUP BY d.day)
       SELECT to_char(d.day, 'YYYY-MM-DD') AS day,
         COALESCE(placed.orders, 0) AS orders,
         COALESCE(placed.revenue_fen, 0) AS revenue_fen,
         COALESCE(placed.energy_wh, 0) AS energy_wh,
         round(COALESCE(charging.minutes, 0))::integer AS charging_minutes,
         round(COALESCE(available.minutes, 0))::integer AS port_minutes
       FROM days d
       LEFT JOIN placed ON placed.day = d.day
       LEFT JOIN charging ON charging.day = d.day
       LEFT JOIN available ON available.day = d.day
       ORDER BY d.day`,
      [
        range.from,
        range.to,
        ...orders.bindings,
        start,
        end,
        ...orders.bindings,
        start,
        end,
        ...piles.bindings,
      ]
    )
    return (rows as Record<string, string | number>[]).map((row) => {
      const chargingMinutes = Number(row.charging_minutes)
      const portMinutes = Number(row.port_minutes)
      return {
        day: String(row.day),
        orders: Number(row.orders),
        revenueFen: Number(row.revenue_fen),
        energyWh: Number(row.energy_wh),
        chargingMinutes,
        portMinutes,
        utilisation:
          portMinutes > 0 ? Math.round((chargingMinutes / portMinutes) * 10000) / 10000 : 0,
      }
    })
  }

  /**
   * Riders registered per day. Riders belong to the tenant, not a project:
   * under a project limit or filter, only riders with money moved in those
   * projects count.
   */
  async #newRiders(trx: TransactionClientContract, range: StatisticsRange) {
    const { start, end } = this.#bounds(range)
    const bindings: (string | number)[] = [this.tenant.tenantId, start, end]
    let inProjects = ''
    if (this.tenant.projectIds !== null || range.projectId !== null) {
      const ledger = this.#scope('l', range, { station: false, vendor: false })
      inProjects = `AND EXISTS (SELECT 1 FROM ledger_entries l WHERE ${ledger.sql} AND l.rider_id = r.id)`
      bindings.push(...ledger.bindings)
    }
    const { rows } = await trx.rawQuery(
      `SELECT to_char((r.registered_at AT TIME ZONE '${ZONE}')::date, 'YYYY-MM-DD') AS day,
         count(*) AS riders
       FROM riders r
       WHERE r.tenant_id = ? AND r.registered_at >= ? AND r.registered_at < ? ${inProjects}
       GROUP BY 1`,
      bindings
    )
    return new Map(
      (rows as { day: string; riders: number | string }[]).map((row) => [
        row.day,
        Number(row.riders),
      ])
    )
  }

  /** Orders, revenue and energy per project, station or vendor: every one in scope, busiest first. */
  async #breakdown(
    trx: TransactionClientContract,
    range: StatisticsRange,
    table: 'projects' | 'stations' | 'vendors',
    column: 'project_id' | 'station_id' | 'vendor_id'
  ) {
    const { start, end } = this.#bounds(range)
    const orders = this.#scope('o', range)
    const { rows } = await trx.rawQuery(
      `SELECT t.id, t.name,
         count(*) FILTER (WHERE o.status <> 'cancelled') AS orders,
         COALESCE(sum(o.amount_fen) FILTER (WHERE o.status = 'settled'), 0)::bigint AS revenue_fen,
         COALESCE(sum(o.energy_wh) FILTER (WHERE o.status <> 'cancelled'), 0)::bigint AS energy_wh
       FROM ${ChargingOrder.table} o
       JOIN ${table} t ON t.id = o.${column}
       WHERE ${orders.sql} AND o.created_at >= ? AND o.created_at < ?
       GROUP BY t.id, t.name
       ORDER BY revenue_fen DESC, orders DESC, t.id`,
      [...orders.bindings, start, end]
    )
    return (rows as Record<string, string | number>[]).map((row): StatisticsBreakdown => ({
      id: Number(row.id),
      name: String(row.name),
      orders: Number(row.orders),
      revenueFen: Number(row.revenue_fen),
      energyWh: Number(row.energy_wh),
    }))
  }

  async #peakHours(trx: TransactionClientContract, range: StatisticsRange) {
    const { start, end } = this.#bounds(range)
    const orders = this.#scope('o', range)
    const { rows } = await trx.rawQuery(
      `SELECT extract(hour FROM COALESCE(o.started_at, o.created_at) AT TIME ZONE '${ZONE}')::integer AS hour,
         count(*) AS orders
       FROM ${ChargingOrder.table} o
       WHERE ${orders.sql} AND o.status <> 'cancelled' AND o.created_at >= ? AND o.created_at < ?
       GROUP BY 1`,
      [...orders.bindings, start, end]
    )
    const byHour = new Map(
      (rows as { hour: number; orders: number | string }[]).map((row) => [
        Number(row.hour),
        Number(row.orders),
      ])
    )
    return Array.from({ length: 24 }, (_, hour) => ({ hour, orders: byHour.get(hour) ?? 0 }))
  }
}
