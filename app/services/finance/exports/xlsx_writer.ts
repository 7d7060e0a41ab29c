import { once } from 'node:events'
import ExcelJS from 'exceljs'
import { DateTime } from 'luxon'
import { addTotals, type ReportCell, type ReportWriter } from './report_table.js'

const DISPLAY_ZONE = 'Asia/Shanghai'
const MONEY_FORMAT = '"¥"#,##0.00;"¥"-#,##0.00'
const DATE_FORMAT = 'yyyy-mm-dd hh:mm:ss'

/**
 * Excel has no time zones: a date cell is a wall-clock time. exceljs writes a
 * Date's UTC fields, so the Shanghai wall time is passed as if it were UTC.
 */
function shanghaiWallClock(value: Date) {
  const local = DateTime.fromJSDate(value).setZone(DISPLAY_ZONE)
  return new Date(
    Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second)
  )
}

/**
 * exceljs hands the sheet's XML to the zip (a readable-stream v2 PassThrough
 * ahead of deflate) without looking at write()'s answer, so a fast reader
 * piles the whole uncompressed sheet up in Buffers (about 340 bytes a row).
 * Waiting for that stream to drain after each batch is the missing
 * backpressure: memory then holds one batch, whatever the row count.
 */
export async function zipCaughtUp(sheet: ExcelJS.Worksheet) {
  const stream = (sheet as unknown as { stream: { pipes: NodeJS.EventEmitter[] } }).stream
  for (const target of stream.pipes) {
    const state = (target as unknown as { _writableState?: { needDrain: boolean } })._writableState
    if (state?.needDrain) await once(target, 'drain')
  }
}

/**
 * The report as .xlsx through exceljs's streaming writer: each row is
 * committed to the file as it is added, so memory stays flat however long
 * the list. Money cells are numbers (fen / 100, computed here only, at
 * write time) with a ¥ format, so Excel sums them; the totals row is summed
 * in integer fen first.
 */
export const writeXlsx: ReportWriter = async (table, file, progress) => {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: file,
    useStyles: true,
    useSharedStrings: false,
  })
  const sheet = workbook.addWorksheet(table.title, {
    views: [{ state: 'frozen', ySplit: 1 }],
  })
  sheet.columns = table.columns.map((column) => ({
    header: column.header,
    key: column.key,
    width: column.width,
    style:
      column.kind === 'money'
        ? { numFmt: MONEY_FORMAT }
        : column.kind === 'datetime'
          ? { numFmt: DATE_FORMAT }
          : {},
  }))
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: table.columns.length } }
  sheet.getRow(1).font = { bold: true }
  sheet.getRow(1).commit()

  const totals: Record<string, number> = {}
  let rowsDone = 0
  for await (const batch of table.batches) {
    for (const row of batch) {
      addTotals(totals, table.columns, row)
      const cells: Record<string, ReportCell> = {}
      for (const column of table.columns) {
        const value = row[column.key]
        if (value === null || value === undefined) cells[column.key] = null
        else if (column.kind === 'money') cells[column.key] = Number(value) / 100
        else if (column.kind === 'datetime') cells[column.key] = shanghaiWallClock(value as Date)
        else cells[column.key] = value
      }
      sheet.addRow(cells).commit()
    }
    await zipCaughtUp(sheet)
    rowsDone += batch.length
    await progress(rowsDone)
  }

  const totalCells: Record<string, ReportCell> = { [table.columns[0].key]: table.totalLabel }
  for (const [key, fen] of Object.entries(totals)) totalCells[key] = fen / 100
  const totalRow = sheet.addRow(totalCells)
  totalRow.font = { bold: true }
  totalRow.commit()
  sheet.commit()
  await workbook.commit()
  return { totals }
}
