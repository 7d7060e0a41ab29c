import type { Option } from '#services/page_props'
import type { ProfitFigures } from '#services/data/owner_figure_rows'

/*
 * 数据: the statistics, the tables behind its charts and the page's props, as
 * the page receives them (StatisticsService and chart_tables.ts build them; the
 * page imports them, types only). Type aliases: Inertia props are plain JSON.
 */

export type StatisticsDay = {
  /** YYYY-MM-DD in Asia/Shanghai. */
  day: string
  orders: number
  /** Settled charging revenue, integer fen. */
  revenueFen: number
  energyWh: number
  /** Minutes ports spent charging within the day. */
  chargingMinutes: number
  /** Minutes of active piles' ports within the day (up to now). */
  portMinutes: number
  /** chargingMinutes / portMinutes, 0 when no port was available. */
  utilisation: number
  newRiders: number
}

export type StatisticsBreakdown = {
  id: number
  name: string
  orders: number
  revenueFen: number
  energyWh: number
}

export type StatisticsRange = {
  from: string
  to: string
  projectId: number | null
  stationId: number | null
  vendorId: number | null
}

export type Statistics = {
  range: StatisticsRange
  daily: StatisticsDay[]
  byProject: StatisticsBreakdown[]
  byStation: StatisticsBreakdown[]
  byVendor: StatisticsBreakdown[]
  topStations: StatisticsBreakdown[]
  /** Orders by the hour of day (0-23, Asia/Shanghai) they started, or were placed if never started. */
  peakHours: { hour: number; orders: number }[]
}

/** money: fen; energy: Wh (shown as kWh); ratio: 0..1 (shown as %); hour: 0-23; day: YYYY-MM-DD. */
export type ChartCellKind = 'day' | 'hour' | 'text' | 'count' | 'money' | 'energy' | 'ratio'
export type ChartTableColumn = { key: string; kind: ChartCellKind }
export type ChartTableRow = Record<string, string | number>
export type ChartTable = {
  title: string
  columns: ChartTableColumn[]
  rows: ChartTableRow[]
  /** The totals row (its first column is the 合计 label), or null when the table has none. */
  totals: ChartTableRow | null
}

export type ChartsPageProps = {
  statistics: Statistics
  /** The table behind each chart, by its name (the export route's last part). */
  chartTables: Record<string, ChartTable>
  /** What the filters offer: the projects, stations and vendors this staff member may see. */
  filterOptions: {
    projects: Option[]
    stations: (Option & { projectId: number })[]
    vendors: Option[]
  }
  maxDays: number
  /** 利润 of the range, per project and station (owner_figures.ts). */
  profit: ProfitFigures
}
