import { writePdf } from './pdf_writer.js'
import { buildReport, type ReportFiltersOf, type ReportKind } from './report_kinds.js'
import type { ReportOrigin } from './report_origin.js'
import type { ReportTable, ReportWriter } from './report_table.js'
import { writeXlsx } from './xlsx_writer.js'

export type ReportFormat = 'xlsx' | 'pdf'

export function writerFor(format: ReportFormat): ReportWriter {
  return format === 'pdf' ? writePdf : writeXlsx
}

/**
 * Builds the report of `kind` and writes it to `file`, in-process, with no
 * export record and no queue: for `node ace report:export` and scheduled
 * statements. Returns the row count, the columns and the totals in fen.
 */
export async function writeReport<Kind extends ReportKind>(
  kind: Kind,
  origin: ReportOrigin,
  filters: ReportFiltersOf[Kind],
  format: ReportFormat,
  file: string,
  progress: (rowsDone: number) => Promise<void> = async () => {}
): Promise<{ rows: number; columns: ReportTable['columns']; totals: Record<string, number> }> {
  const table = await buildReport(kind, origin, filters)
  const { totals } = await writerFor(format)(table, file, progress)
  return { rows: table.rowsTotal, columns: table.columns, totals }
}
