import type { LedgerDetailType } from '#models/ledger_entry'

/*
 * 账户流水 rows, as the pages receive them: the services return them and the
 * pages import them (types only), so a prop's shape is written once.
 * Type aliases, not interfaces: Inertia props must be plain JSON types.
 */
export type LedgerRow = {
  id: number
  entryNo: string
  riderName: string
  /** Null for a guest (游客) who has not bound a phone yet. */
  phone: string | null
  detailType: LedgerDetailType
  realIn: number
  bonusIn: number
  realOut: number
  bonusOut: number
  realAfter: number
  bonusAfter: number
  project: string
  operator: string | null
  occurredAt: string
}
