import type { BillRow } from '#sdk/contracts/payment'

/*
| The trade bill (交易账单, bill_type=ALL) as WeChat Pay serves it: CSV in
| UTF-8, a header line, one line per row with every field prefixed by a
| backtick (so spreadsheets keep long numbers as text), then a summary
| section starting with 总交易单数. Columns are found by their header names.
*/

/** Yuan as written in the bill (`12.34`, `0.01`, `5`, `0.60000`) to integer fen, without floats. */
export function yuanToFen(text: string): number {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text.trim())
  if (!match) throw new Error(`not an amount in yuan: "${text}"`)
  const [, whole, fraction = ''] = match
  // Digits past the fen are allowed only as zeros: nothing is rounded away.
  if (/[1-9]/.test(fraction.slice(2))) throw new Error(`amount below one fen: "${text}"`)
  const fen = Number(whole) * 100 + Number(fraction.slice(0, 2).padEnd(2, '0'))
  if (!Number.isSafeInteger(fen)) throw new Error(`amount too large: "${text}"`)
  return fen
}

/** `2024-05-01 10:22:33`, Beijing time, as the bill writes it. */
function shanghaiTime(text: string) {
  const match = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)$/.exec(text)
  if (!match) throw new Error(`not a bill time: "${text}"`)
  return new Date(`${match[1]}T${match[2]}+08:00`)
}

/** Every field of a data line starts with a backtick; splitting on ",`" keeps commas inside fields. */
function fields(line: string) {
  return line.slice(1).split(',`')
}

/** Successful payments (交易状态 SUCCESS) and refunds (REFUND rows whose 退款状态 is SUCCESS). */
export function parseTradeBill(csv: string): BillRow[] {
  const lines = csv
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
  if (lines.length === 0) return []
  const header = lines[0].split(',').map((name) => name.trim())
  const column = (name: string, fallback?: string) => {
    let index = header.indexOf(name)
    if (index < 0 && fallback) index = header.indexOf(fallback)
    if (index < 0) throw new Error(`bill has no column ${name}`)
    return index
  }
  const at = {
    time: column('交易时间'),
    tradeId: column('微信订单号'),
    outTradeNo: column('商户订单号'),
    state: column('交易状态'),
    refundNo: column('商户退款单号'),
    refundState: column('退款状态'),
    // 订单金额 and 申请退款金额 are what we asked for, coupons included.
    orderAmount: column('订单金额', '应结订单金额'),
    refundAmount: column('申请退款金额', '退款金额'),
  }

  const rows: BillRow[] = []
  for (const line of lines.slice(1)) {
    if (!line.startsWith('`')) break // the summary section
    const values = fields(line)
    const value = (index: number) => (values[index] ?? '').trim()
    const state = value(at.state)
    const base = {
      outTradeNo: value(at.outTradeNo),
      providerTradeNo: value(at.tradeId) || null,
      occurredAt: shanghaiTime(value(at.time)),
    }
    if (state === 'SUCCESS') {
      rows.push({
        kind: 'payment',
        outRefundNo: null,
        amount: yuanToFen(value(at.orderAmount)),
        ...base,
      })
    } else if (state === 'REFUND' && value(at.refundState) === 'SUCCESS') {
      rows.push({
        kind: 'refund',
        outRefundNo: value(at.refundNo),
        amount: yuanToFen(value(at.refundAmount)),
        ...base,
      })
    }
  }
  return rows
}
