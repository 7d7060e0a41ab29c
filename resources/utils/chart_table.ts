import { formatKwh } from '~/utils/energy'
import { formatFen } from '~/utils/money'
import type { ChartCellKind, ChartTable } from '#services/data/statistics_rows'

/*
| The tables behind 数据's charts, as the server defines them
| (app/services/data/chart_tables.ts, types in statistics_rows.ts) and sends them with the page's props:
| raw figures, formatted here by the column's kind.
*/
export type { ChartTable }

export const isNumeric = (kind: ChartCellKind) => !['day', 'hour', 'text'].includes(kind)

/** One cell as the table shows it; `hourLabel` words an hour of the day (e.g. 8 时). */
export function formatCell(
  kind: ChartCellKind,
  value: string | number | undefined,
  hourLabel: (hour: number) => string
): string {
  if (value === undefined) return ''
  if (kind === 'money') return formatFen(Number(value))
  if (kind === 'energy') return formatKwh(Number(value))
  if (kind === 'ratio') return `${(Number(value) * 100).toFixed(1)}%`
  if (kind === 'hour') return hourLabel(Number(value))
  return String(value)
}
