import type { RestReturnedTo } from '#models/charging_order'

/*
| What the rider H5's pages receive of 扫码即充 (pay_per_charge.ts): plain
| JSON types, importable by the pages without the service.
*/

/** The choices of the port page's 扫码即充 (fen). */
export type PayPerChargeOptions = {
  amountsFen: number[]
  minFen: number
  maxFen: number
  hours: { hours: number; fen: number }[]
}

/** A charge payment's result page: paid or not, the order it started, or why not. */
export type PayPerChargeResult = {
  status: 'pending' | 'paid' | 'closed' | 'failed'
  amountFen: number
  orderNo: string | null
  /** Paid, but the charge could not start: the whole amount went back. */
  startFailed: boolean
  restTo: RestReturnedTo
}

export type H5PayPerChargeResultPageProps = { result: PayPerChargeResult }

/** What the bill of a pay-per-charge order shows: 预付, 消费, 退回 and where. */
export type PrepaidBill = {
  paidFen: number
  consumedFen: number
  /** Null until settled (or the start failed). */
  returnedFen: number | null
  returnedTo: RestReturnedTo | null
}
