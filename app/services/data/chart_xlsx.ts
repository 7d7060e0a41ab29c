import type { I18n } from '@adonisjs/i18n'
import ExcelJS from 'exceljs'
import type { ChartCellKind, ChartTable, ChartTableRow } from './chart_tables.js'

// Same money format as xlsx_writer.ts, so every export of the app reads alike.
const FORMATS: Partial<Record<ChartCellKind, string>> = {
  day: 'yyyy-mm-dd',
  count: '#,##0',
  money: '"¥"#,##0.00;"¥"-#,##0.00',
  energy: '#,##0.000',
  ratio: '0.0%',
}

/**
 * A chart's table as .xlsx, built in memory: it holds at most a year of days
 * or the tenant's stations (the streaming writer of xlsx_writer.ts is for
 * lists). Unlike ReportTable, its count, energy and ratio columns are numbers
 * with their own formats and totals. Money is fen / 100 only here, at write
 * time; a day is a date cell (Excel dates carry no zone: the Shanghai day).
 */
export async function chartXlsx(table: ChartTable, i18n: I18n): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook()
  // Excel refuses sheet names over 31 characters or with []:*?/\.
  const title = i18n.t(`ui.dataPage.charts.${table.title}`)
  const sheet = workbook.addWorksheet(title.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31), {
    views: [{ state: 'frozen', ySplit: 1 }],
  })
  sheet.columns = table.columns.map((column, index) => ({
    header: i18n.t(`ui.dataPage.columns.${column.key}`),
    key: column.key,
    width: index === 0 ? 20 : 16,
    style: FORMATS[column.kind] ? { numFmt: FORMATS[column.kind] } : {},
  }))
  sheet.getRow(1).font = { bold: true }

  const cells = (row: ChartTableRow) =>
    Object.fromEntries(
      table.columns.map(({ key, kind }) => {
        const value = row[key]
        if (value === undefined) return [key, null]
        if (kind === 'day') {
          const [year, month, day] = String(value).split('-').map(Number)
          return [key, new Date(Date.UTC(year, month - 1, day))]
        }
        if (kind === 'hour') return [key, i18n.t('ui.dataPage.hourLabel', { hour: value })]
        if (kind === 'money') return [key, Number(value) / 100]
        if (kind === 'energy') return [key, Number(value) / 1000]
        return [key, value]
      })
    )
  for (const row of table.rows) sheet.addRow(cells(row))
  if (table.totals) {
    const totals = sheet.addRow({
      ...cells(table.totals),
      [table.columns[0].key]: i18n.t('ui.dataPage.total'),
    })
    totals.font = { bold: true }
  }
  return Buffer.from(await workbook.xlsx.writeBuffer())
}
