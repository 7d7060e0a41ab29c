/*
| The baseline of bench/export.ts, run in a fresh child process so its peak
| memory is its own: `export_baseline.ts <xlsx|pdf> <rows> <file>` writes
| <rows> rows of the ledger report's 13 columns, cycled from 1,000 rows held
| in memory, with exceljs's streaming WorkbookWriter (xlsx, waiting for its
| zip after every 1,000 rows as the real writer does after each batch) or
| pdfkit with the same CJK font (pdf, one text line per row), and prints
| {"seconds", "peakRssMb"} as JSON. No database, no app.
*/
import { createWriteStream } from 'node:fs'
import { finished } from 'node:stream/promises'
import { performance } from 'node:perf_hooks'
import ExcelJS from 'exceljs'
import PDFDocument from 'pdfkit'
import { cjkFont } from '../app/services/finance/exports/pdf_writer.js'
import { zipCaughtUp } from '../app/services/finance/exports/xlsx_writer.js'

/** The real writer's batch: its keyset page size. */
const BATCH_SIZE = 1000

const [format, count, file] = process.argv.slice(2)
const rows = Number(count)
const sample = Array.from({ length: 1000 }, (_, n) => [
  `20250101${String(n).padStart(10, '0')}`,
  new Date(Date.UTC(2025, 0, 1, 0, 0, n)),
  `压测骑手${n}`,
  `139${String(n).padStart(8, '0')}`,
  '压测项目1',
  '充电结算',
  n % 10 === 0 ? 50 : 0,
  n % 10 === 5 ? 5 : 0,
  n % 10 === 0 ? 0 : 1.23,
  0,
  n * 1.5,
  5,
  '',
])

const started = performance.now()
if (format === 'xlsx') {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: file,
    useStyles: true,
    useSharedStrings: false,
  })
  const sheet = workbook.addWorksheet('ledger')
  for (let n = 0; n < rows; n += 1) {
    sheet.addRow(sample[n % sample.length]).commit()
    if ((n + 1) % BATCH_SIZE === 0) await zipCaughtUp(sheet)
  }
  await workbook.commit()
} else {
  const font = cjkFont()
  const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: 30 })
  const out = createWriteStream(file)
  doc.pipe(out)
  doc.registerFont('cjk', font.path, font.face)
  doc.font('cjk').fontSize(7.5)
  for (let n = 0; n < rows; n += 1) {
    if (n > 0 && n % 36 === 0) doc.addPage()
    doc.text(sample[n % sample.length].map(String).join('  '), 30, 30 + (n % 36) * 14, {
      lineBreak: false,
    })
  }
  doc.end()
  await finished(out)
}
const seconds = (performance.now() - started) / 1000
console.log(JSON.stringify({ seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 }))
