import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, ProjectOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'

export type PaymentPurpose = 'topup' | 'card_fee' | 'charge' | 'plan'
export type PaymentStatus = 'created' | 'pending' | 'paid' | 'closed' | 'failed'

/**
 * A QR payment (扫码支付). Its status changes only through the payment core
 * (app/services/finance), by guarded SQL transitions; see migration 0070.
 */
export default class PaymentOrder extends compose(
  BaseModel,
  TenantOwned,
  ProjectOwned,
  Timestamps
) {
  @column()
  declare riderId: number | null

  /** Our number at the provider (out_trade_no). */
  @column()
  declare paymentNo: string

  @column()
  declare tenantPluginId: number

  @column()
  declare pluginId: string

  @column()
  declare merchantId: string

  @column()
  declare appId: string | null

  @column()
  declare purpose: PaymentPurpose

  @column()
  declare purposeData: Record<string, any>

  @column()
  declare amount: number

  @column()
  declare bonusAmount: number

  @column()
  declare status: PaymentStatus

  @column()
  declare codeUrl: string | null

  @column()
  declare providerTradeNo: string | null

  @column({ serializeAs: null })
  declare providerData: Record<string, unknown>

  @column()
  declare failure: string | null

  @column()
  declare idempotencyKey: string

  @column()
  declare operatorStaffId: number | null

  @column()
  declare refundedAmount: number

  @column.dateTime()
  declare expiresAt: DateTime

  @column.dateTime()
  declare paidAt: DateTime | null

  @column.dateTime()
  declare closedAt: DateTime | null

  @column.dateTime()
  declare notifiedAt: DateTime | null

  /** Paid after we had closed it: refunded, never credited. */
  @column.dateTime()
  declare latePaidAt: DateTime | null
}
