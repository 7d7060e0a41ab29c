import type {
  ChartCellKind,
  ChartTable,
  ChartTableColumn,
  ChartTableRow,
  Statistics,
  StatisticsBreakdown,
  StatisticsDay,
} from '#services/data/statistics_rows'

export type { ChartCellKind, ChartTable, ChartTableColumn, ChartTableRow }

/*
| The tables behind 数据's charts, defined once: the page renders them (sent
| with its props) and GET /data/export/<chart> writes them to xlsx. Cells keep
| raw figures (fen, Wh, ratios); each side formats them by the column's kind.
| Titles are ui.json keys: dataPage.charts.<title>, dataPage.columns.<key>.
*/
export const CHARTS = [
  'revenue-orders',
  'energy',
  'utilisation',
  'new-riders',
  'by-project',
  'by-vendor',
  'by-station',
  'peak-hours',
  'top-stations',
] as const
export type ChartName = (typeof CHARTS)[number]

const sum = (rows: ChartTableRow[], key: string) =>
  rows.reduce((total, row) => total + Number(row[key]), 0)
const ratio = (part: number, whole: number) =>
  whole > 0 ? Math.round((part / whole) * 10000) / 10000 : 0

/** Totals of the count, money and energy columns. */
function totalsOf(columns: ChartTableColumn[], rows: ChartTableRow[]): ChartTableRow {
  const totals: ChartTableRow = {}
  for (const column of columns) {
    if (['count', 'money', 'energy'].includes(column.kind))
      totals[column.key] = sum(rows, column.key)
  }
  return totals
}

function daily(
  title: string,
  days: StatisticsDay[],
  figures: { key: string; kind: ChartCellKind; of: (day: StatisticsDay) => number }[]
): ChartTable {
  const columns = [
    { key: 'day', kind: 'day' as const },
    ...figures.map(({ key, kind }) => ({ key, kind })),
  ]
  const rows = days.map((day) =>
    Object.fromEntries([['day', day.day], ...figures.map(({ key, of }) => [key, of(day)])])
  )
  return { title, columns, rows, totals: totalsOf(columns, rows) }
}

const BREAKDOWN_COLUMNS: ChartTableColumn[] = [
  { key: 'name', kind: 'text' },
  { key: 'orders', kind: 'count' },
  { key: 'revenue', kind: 'money' },
  { key: 'energyKwh', kind: 'energy' },
]

function breakdown(title: string, list: StatisticsBreakdown[], withTotals = true): ChartTable {
  const rows = list.map((row) => ({
    name: row.name,
    orders: row.orders,
    revenue: row.revenueFen,
    energyKwh: row.energyWh,
  }))
  return {
    title,
    columns: BREAKDOWN_COLUMNS,
    rows,
    totals: withTotals ? totalsOf(BREAKDOWN_COLUMNS, rows) : null,
  }
}

export function chartTables(statistics: Statistics): Record<ChartName, ChartTable> {
  const days = statistics.daily
  const utilisation = daily('utilisation', days, [
    { key: 'chargingMinutes', kind: 'count', of: (day) => day.chargingMinutes },
    { key: 'portMinutes', kind: 'count', of: (day) => day.portMinutes },
    { key: 'utilisation', kind: 'ratio', of: (day) => day.utilisation },
  ])
  // The range's utilisation is its minutes over its minutes, not a sum of days' ratios.
  utilisation.totals!.utilisation = ratio(
    Number(utilisation.totals!.chargingMinutes),
    Number(utilisation.totals!.portMinutes)
  )
  return {
    'revenue-orders': daily('revenueOrders', days, [
      { key: 'orders', kind: 'count', of: (day) => day.orders },
      { key: 'revenue', kind: 'money', of: (day) => day.revenueFen },
    ]),
    'energy': daily('energy', days, [
      { key: 'energyKwh', kind: 'energy', of: (day) => day.energyWh },
    ]),
    utilisation,
    'new-riders': daily('newRiders', days, [
      { key: 'newRiders', kind: 'count', of: (day) => day.newRiders },
    ]),
    'by-project': breakdown('byProject', statistics.byProject),
    'by-vendor': breakdown('byVendor', statistics.byVendor),
    'by-station': breakdown('byStation', statistics.byStation),
    'peak-hours': {
      title: 'peakHours',
      columns: [
        { key: 'hour', kind: 'hour' },
        { key: 'orders', kind: 'count' },
      ],
      rows: statistics.peakHours.map(({ hour, orders }) => ({ hour, orders })),
      totals: null,
    },
    // A top 10 has no meaningful total.
    'top-stations': breakdown('topStations', statistics.topStations, false),
  }
}
