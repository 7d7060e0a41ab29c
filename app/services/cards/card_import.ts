import { readFile } from 'node:fs/promises'
import ExcelJS from 'exceljs'
import { Unzip, UnzipInflate } from 'fflate'
import CardRefusal from '#services/cards/card_refusal'

/** The most card numbers one file may hold; more is refused as a whole. */
const MAX_IMPORT_ROWS = 10_000

/** The longest text a card-number cell may hold (card numbers are far shorter). */
export const MAX_IMPORT_CELL_LENGTH = 64

/** The most an .xlsx may expand to once unzipped, all its parts together. */
export const MAX_IMPORT_UNZIPPED_BYTES = 64 * 1024 * 1024

/** The most parts an .xlsx may hold; a real card list has about ten. */
const MAX_IMPORT_ZIP_ENTRIES = 200

/**
 * An .xlsx is a zip: before ExcelJS reads it, every part is inflated and
 * counted (and thrown away), so a small file that unpacks to gigabytes is
 * refused once it passes the bound, whatever sizes its headers claim.
 * A file that is no zip at all is left for ExcelJS to refuse.
 */
async function assertUnzipsWithinBounds(path: string) {
  const bytes = await readFile(path)
  let entries = 0
  let unzipped = 0
  const unzip = new Unzip((entry) => {
    entries += 1
    if (entries > MAX_IMPORT_ZIP_ENTRIES) throw new CardRefusal('importUnzipsTooLarge')
    if ((entry.originalSize ?? 0) > MAX_IMPORT_UNZIPPED_BYTES) {
      throw new CardRefusal('importUnzipsTooLarge')
    }
    entry.ondata = (error, chunk) => {
      if (error) throw new CardRefusal('importNotXlsx')
      unzipped += chunk.length
      if (unzipped > MAX_IMPORT_UNZIPPED_BYTES) throw new CardRefusal('importUnzipsTooLarge')
    }
    entry.start()
  })
  unzip.register(UnzipInflate)
  try {
    unzip.push(bytes, true)
  } catch (error) {
    if (error instanceof CardRefusal) throw error
    throw new CardRefusal('importNotXlsx')
  }
}

export type ImportedRow = { row: number; text: string }

/** A cell's value as text: strings, numbers, rich text, hyperlinks and formula results. */
function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : ''
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((part) => part.text).join('')
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue)
    if ('text' in value) return String(value.text)
  }
  return ''
}

/**
 * The first column of the first sheet of an .xlsx file, row by row, with
 * rows the file skips (blank lines) as empty text, so every bad row can be
 * named by its number. A first row without any digit is a header and is
 * left out. Read as a stream and cut off past MAX_IMPORT_ROWS or at a cell
 * longer than MAX_IMPORT_CELL_LENGTH, after the zip's bounds are checked,
 * so a huge sheet never sits in memory.
 */
export async function readCardColumn(path: string): Promise<ImportedRow[]> {
  await assertUnzipsWithinBounds(path)
  const rows: ImportedRow[] = []
  try {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
      sharedStrings: 'cache',
      hyperlinks: 'ignore',
      styles: 'ignore',
      worksheets: 'emit',
    })
    for await (const sheet of reader) {
      let last = 0
      for await (const row of sheet) {
        const text = cellText(row.getCell(1).value).trim()
        if (text.length > MAX_IMPORT_CELL_LENGTH) throw new CardRefusal('importCellTooLong')
        if (row.number === 1 && text !== '' && !/\d/.test(text)) {
          last = 1
          continue
        }
        for (let blank = last + 1; blank < row.number; blank++) rows.push({ row: blank, text: '' })
        rows.push({ row: row.number, text })
        last = row.number
        if (rows.length > MAX_IMPORT_ROWS) throw new CardRefusal('importTooManyRows')
      }
      break
    }
  } catch (error) {
    if (error instanceof CardRefusal) throw error
    throw new CardRefusal('importNotXlsx')
  }
  // Trailing blank rows (spaces left in a cell) are not card numbers anyone meant.
  while (rows.length && rows[rows.length - 1].text === '') rows.pop()
  if (rows.length === 0) throw new CardRefusal('importEmpty')
  return rows
}
