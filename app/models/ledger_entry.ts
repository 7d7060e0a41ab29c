import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, ProjectOwned } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/** The detail types (明细) of the account ledger. Labels: resources/lang/<locale>/wallet.json. */
export const LEDGER_DETAIL_TYPES = [
  'charge_settlement',
  'counter_topup',
  'qr_topup',
  'bonus_grant',
  'refund',
  'correction',
  'plan_purchase',
  'plan_refund',
] as const
export type LedgerDetailType = (typeof LEDGER_DETAIL_TYPES)[number]

/** One row of the account ledger (账户流水). Insert-only: the database refuses changes. */
export default class LedgerEntry extends compose(BaseModel, TenantOwned, ProjectOwned) {
  @column()
  declare walletId: number

  @column()
  declare riderId: number

  /** The order number staff read and search for (订单编号). */
  @column()
  declare entryNo: string

  @column()
  declare detailType: LedgerDetailType

  @column()
  declare realIn: number

  @column()
  declare bonusIn: number

  @column()
  declare realOut: number

  @column()
  declare bonusOut: number

  @column()
  declare realAfter: number

  @column()
  declare bonusAfter: number

  /** 操作人: the staff member who posted it; null for automatic postings. */
  @column()
  declare operatorStaffId: number | null

  @column()
  declare reason: string | null

  /** The charging order or payment the entry settles. */
  @column()
  declare reference: string | null

  /** For a correction, the entry it reverses. */
  @column()
  declare correctsEntryId: number | null

  @column()
  declare idempotencyKey: string

  @column.dateTime()
  declare occurredAt: DateTime

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime
}
