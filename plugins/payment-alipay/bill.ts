import { unzipSync } from 'fflate'
import type { BillRow } from '#sdk/contracts/payment'
import { PluginProviderError } from '#sdk/contracts/plugin'
import { fromBeijingTime, yuanToFen } from './amount.js'

/*
| The trade bill (bill_type trade) is a zip of GBK-encoded CSV files: the
| detail list (业务明细) and its summary (业务明细(汇总)). Entry names are GBK
| too and zip readers decode them differently, so the detail file is found
| by its header row, and columns are read by name, not position (Alipay
| has added columns before). Values carry a trailing tab so that Excel
| keeps long numbers as text; refund rows carry negative amounts.
*/

const DETAIL_HEADER = '支付宝交易号'

function refuse(problem: string) {
  return new PluginProviderError('payment-alipay', 'BillFormat', problem)
}

/** One CSV line into fields; quotes are honoured although Alipay rarely writes them. */
function splitCsv(line: string) {
  const fields: string[] = []
  let current = ''
  let quoted = false
  for (let index = 0; index < line.length; index++) {
    const char = line[index]
    if (quoted) {
      if (char === '"' && line[index + 1] === '"') {
        current += '"'
        index++
      } else if (char === '"') {
        quoted = false
      } else {
        current += char
      }
    } else if (char === '"') {
      quoted = true
    } else if (char === ',') {
      fields.push(current)
      current = ''
    } else {
      current += char
    }
  }
  fields.push(current)
  return fields.map((field) => field.trim())
}

/** Header names without their unit: "订单金额（元）" -> "订单金额". */
function columnName(header: string) {
  return header.replace(/[（(].*$/, '').trim()
}

function detailLines(zip: Uint8Array) {
  let entries: Record<string, Uint8Array>
  try {
    entries = unzipSync(zip)
  } catch (error) {
    throw refuse(`the bill is not a zip file: ${(error as Error).message}`)
  }
  const decoder = new TextDecoder('gbk')
  for (const content of Object.values(entries)) {
    const lines = decoder.decode(content).split(/\r?\n/)
    const start = lines.findIndex((line) => line.trim().startsWith(DETAIL_HEADER))
    if (start !== -1) return lines.slice(start)
  }
  throw refuse('no detail list (业务明细) in the bill')
}

/** The payments and refunds of an Alipay trade bill zip. */
export function parseTradeBill(zip: Uint8Array): BillRow[] {
  const [headerLine, ...rest] = detailLines(zip)
  const columns = splitCsv(headerLine).map(columnName)
  const column = (name: string) => {
    const index = columns.indexOf(name)
    if (index === -1) throw refuse(`the detail list has no column ${name}`)
    return index
  }
  const tradeNo = column('支付宝交易号')
  const outTradeNo = column('商户订单号')
  const type = column('业务类型')
  const created = column('创建时间')
  const finished = column('完成时间')
  const amount = column('订单金额')
  const requestNo = column('退款批次号/请求号')

  const rows: BillRow[] = []
  for (const line of rest) {
    // The list ends at the first comment line (#-----业务明细列表结束-----).
    if (line.trim().startsWith('#')) break
    if (!line.trim()) continue
    const fields = splitCsv(line)
    const kind = fields[type] === '交易' ? 'payment' : fields[type] === '退款' ? 'refund' : null
    if (!kind) continue
    const fen = yuanToFen(fields[amount] ?? '')
    const occurredAt = fromBeijingTime(fields[finished]) ?? fromBeijingTime(fields[created])
    if (fen === null || !occurredAt || !fields[outTradeNo]) {
      throw refuse(`unreadable bill line: ${line.slice(0, 200)}`)
    }
    rows.push({
      kind,
      outTradeNo: fields[outTradeNo],
      outRefundNo: kind === 'refund' ? fields[requestNo] || null : null,
      providerTradeNo: fields[tradeNo] || null,
      amount: Math.abs(fen),
      occurredAt,
    })
  }
  return rows
}
