/*
| A report is a table: columns, rows read in batches (never the whole list in
| memory), and totals of its money columns. The xlsx and pdf writers render
| any report; each list (账户流水 first) only says how to read its rows.
| Money travels as integer fen up to the writer; fen / 100 happens only when
| a cell is written (xlsx) or through formatYuan (pdf).
*/
export type ReportColumn =
  | { key: string; header: string; kind: 'text'; width: number }
  | { key: string; header: string; kind: 'datetime'; width: number }
  | { key: string; header: string; kind: 'money'; width: number; total?: boolean }

export type ReportCell = string | number | Date | null

export interface ReportTable {
  title: string
  /** Lines above the table: tenant, project, period, filters, generated at and by. */
  heading: string[]
  columns: ReportColumn[]
  /** Label of the totals row, in the first column. */
  totalLabel: string
  rowsTotal: number
  /** Footer of a pdf page, e.g. 第 1 / 3 页. */
  pageLabel: (page: number, pages: number) => string
  batches: AsyncIterable<Record<string, ReportCell>[]>
}

/** Writes rows as they come; reports progress after each batch. */
export type ReportWriter = (
  table: ReportTable,
  file: string,
  progress: (rowsDone: number) => Promise<void>
) => Promise<{ totals: Record<string, number> }>

/**
 * A row holding this key repeats figures other rows already count (e.g. the
 * split of a summary by channel): it is written but not totalled.
 */
export const BREAKDOWN = '_breakdown'

export function addTotals(
  totals: Record<string, number>,
  columns: ReportColumn[],
  row: Record<string, ReportCell>
) {
  if (row[BREAKDOWN]) return
  for (const column of columns) {
    if (column.kind === 'money' && column.total) {
      totals[column.key] = (totals[column.key] ?? 0) + Number(row[column.key] ?? 0)
    }
  }
}
