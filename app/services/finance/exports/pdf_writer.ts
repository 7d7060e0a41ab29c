import { once } from 'node:events'
import { createWriteStream, existsSync } from 'node:fs'
import { finished } from 'node:stream/promises'
import PDFDocument from 'pdfkit'
import { DateTime } from 'luxon'
import { formatYuan } from '#sdk/money'
import { addTotals, type ReportCell, type ReportWriter } from './report_table.js'

const DISPLAY_ZONE = 'Asia/Shanghai'

/**
 * A CJK font: Debian's fonts-noto-cjk (installed by .ci/run), a collection
 * from which pdfkit takes the Simplified Chinese face by its name, or
 * WenQuanYi as a fallback. pdfkit embeds only the glyphs used.
 */
const CJK_FONTS = [
  { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', face: 'NotoSansCJKsc-Regular' },
  { path: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', face: 'WenQuanYiMicroHei' },
]

export function cjkFont() {
  const font = CJK_FONTS.find((candidate) => existsSync(candidate.path))
  if (!font) throw new Error('No CJK font found: install fonts-noto-cjk')
  return font
}

const PAGE = { width: 841.89, height: 595.28, margin: 30 }
const ROW_HEIGHT = 14
const HEADER_HEIGHT = 16
const TITLE_HEIGHT = 22
const FOOTER_HEIGHT = 20
const FONT_SIZE = 7.5

/** Rows that fit under the table header: fewer on the first page, under the heading. */
function rowsPerPage(headingLines: number) {
  const body = PAGE.height - 2 * PAGE.margin - FOOTER_HEIGHT - HEADER_HEIGHT
  const first = Math.floor((body - TITLE_HEIGHT - headingLines * ROW_HEIGHT - 8) / ROW_HEIGHT)
  return { first, other: Math.floor(body / ROW_HEIGHT) }
}

function cellText(kind: string, value: ReportCell) {
  if (value === null || value === undefined) return ''
  if (kind === 'money') return `¥${formatYuan(Number(value))}`
  if (kind === 'datetime') {
    return DateTime.fromJSDate(value as Date)
      .setZone(DISPLAY_ZONE)
      .toFormat('yyyy-MM-dd HH:mm:ss')
  }
  return String(value)
}

/**
 * pdfkit caches the glyph layout of every distinct word of a font and never
 * evicts: entry numbers, phones and times are nearly all distinct, so on a
 * long export the cache held most of the heap (about 17 KB per row). Without
 * the cache (fontLayoutCache: false) a row is laid out several times per
 * text() call and the PDF took seven times longer, so the cache is kept
 * and emptied at each page instead.
 */
function forgetLayouts(doc: PDFKit.PDFDocument) {
  const font = (doc as unknown as { _font?: { layoutCache?: Record<string, unknown> } })._font
  if (font?.layoutCache) font.layoutCache = Object.create(null)
}

/**
 * The report as PDF through pdfkit, streamed to the file page by page (no
 * page buffering). The page count is known up front from the row count,
 * so each footer says 第 n / N 页 as it is drawn; the table header repeats
 * on every page, and the totals row (summed in integer fen) ends the table.
 */
export const writePdf: ReportWriter = async (table, file, progress) => {
  const font = cjkFont()
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    // No bottom margin: pdfkit would start a new page under the footer; rows are placed by hand.
    margins: { top: PAGE.margin, left: PAGE.margin, right: PAGE.margin, bottom: 0 },
    autoFirstPage: false,
  })
  doc.registerFont('cjk', font.path, font.face)
  const output = createWriteStream(file)
  doc.pipe(output)

  const perPage = rowsPerPage(table.heading.length)
  const lines = table.rowsTotal + 1
  const pages = lines <= perPage.first ? 1 : 1 + Math.ceil((lines - perPage.first) / perPage.other)
  const usable = PAGE.width - 2 * PAGE.margin
  const widthUnits = table.columns.reduce((sum, column) => sum + column.width, 0)
  const widths = table.columns.map((column) => (column.width / widthUnits) * usable)

  let page = 0
  let y = 0
  let room = 0

  const drawRow = (texts: string[], bold = false) => {
    let x = PAGE.margin
    table.columns.forEach((column, index) => {
      doc.text(texts[index], x + 2, y + 3, {
        width: widths[index] - 4,
        height: ROW_HEIGHT,
        lineBreak: false,
        ellipsis: true,
        align: column.kind === 'money' ? 'right' : 'left',
      })
      x += widths[index]
    })
    if (bold)
      doc
        .moveTo(PAGE.margin, y)
        .lineTo(PAGE.margin + usable, y)
        .lineWidth(0.8)
        .stroke()
    y += ROW_HEIGHT
  }

  const newPage = () => {
    doc.addPage()
    page += 1
    doc.font('cjk')
    forgetLayouts(doc)
    y = PAGE.margin
    if (page === 1) {
      doc.fontSize(14).text(table.title, PAGE.margin, y, { lineBreak: false })
      y += TITLE_HEIGHT
      doc.fontSize(9)
      for (const line of table.heading) {
        doc.text(line, PAGE.margin, y, { width: usable, lineBreak: false, ellipsis: true })
        y += ROW_HEIGHT
      }
      y += 8
    }
    doc.fontSize(FONT_SIZE)
    doc.rect(PAGE.margin, y, usable, HEADER_HEIGHT).fillColor('#e8eef7').fill().fillColor('black')
    const top = y
    y += 1
    drawRow(table.columns.map((column) => column.header))
    y = top + HEADER_HEIGHT
    room = page === 1 ? perPage.first : perPage.other
    doc.text(
      table.pageLabel(page, Math.max(pages, page)),
      PAGE.margin,
      PAGE.height - PAGE.margin - 10,
      {
        width: usable,
        align: 'center',
        lineBreak: false,
      }
    )
  }

  const totals: Record<string, number> = {}
  let rowsDone = 0
  newPage()
  for await (const batch of table.batches) {
    for (const row of batch) {
      if (room === 0) newPage()
      addTotals(totals, table.columns, row)
      drawRow(table.columns.map((column) => cellText(column.kind, row[column.key])))
      room -= 1
    }
    // pdfkit pushes pages whatever the file stream says; let the file catch up.
    if (output.writableNeedDrain) await once(output, 'drain')
    rowsDone += batch.length
    await progress(rowsDone)
  }
  if (room === 0) newPage()
  drawRow(
    table.columns.map((column, index) =>
      index === 0
        ? table.totalLabel
        : column.key in totals
          ? cellText('money', totals[column.key])
          : ''
    ),
    true
  )
  doc.end()
  await finished(output)
  return { totals }
}
