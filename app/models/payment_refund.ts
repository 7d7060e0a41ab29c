import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, ProjectOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'

export type RefundCause = 'rider_refund' | 'late_payment' | 'unfulfilled' | 'charge_rest'
export type RefundStatus = 'pending' | 'succeeded' | 'failed'

/** Money going back through a payment's provider; its own record and states. */
export default class PaymentRefund extends compose(
  BaseModel,
  TenantOwned,
  ProjectOwned,
  Timestamps
) {
  @column()
  declare paymentOrderId: number

  /** Our refund number at the provider (out_refund_no), reused on every retry. */
  @column()
  declare refundNo: string

  @column()
  declare amount: number

  @column()
  declare cause: RefundCause

  @column()
  declare status: RefundStatus

  @column()
  declare reason: string

  @column()
  declare providerRefundNo: string | null

  @column({ serializeAs: null })
  declare providerData: Record<string, unknown>

  @column()
  declare attempts: number

  @column()
  declare failure: string | null

  @column()
  declare ledgerEntryId: number | null

  @column()
  declare operatorStaffId: number | null

  @column.dateTime()
  declare settledAt: DateTime | null

  /** 标记为线下已退: a failed refund staff paid back in cash (migration 0085). */
  @column.dateTime()
  declare settledOfflineAt: DateTime | null

  @column()
  declare settledOfflineBy: number | null
}
