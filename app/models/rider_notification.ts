import type { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { TenantOwned, Timestamps } from '#models/mixins/tenant_owned'
import type { NoticeKind } from '#sdk/contracts/notify'

export type NotificationChannel = 'wechat' | 'sms'
export type NotificationStatus = 'pending' | 'sent' | 'failed'

/** A message to a rider about an order or the wallet, and how its delivery went. */
export default class RiderNotification extends compose(BaseModel, TenantOwned, Timestamps) {
  @column()
  declare riderId: number

  @column()
  declare kind: NoticeKind

  @column()
  declare channel: NotificationChannel

  @column()
  declare orderNo: string

  /** The notice's fields (sdk NoticeFields of its kind). */
  @column()
  declare fields: Record<string, unknown>

  @column()
  declare status: NotificationStatus

  @column()
  declare attempts: number

  /** The provider's error code (or ours, e.g. `rate_limited`); never the provider's text. */
  @column()
  declare errorCode: string | null

  @column()
  declare providerMessageId: string | null

  @column.dateTime()
  declare sentAt: DateTime | null
}
