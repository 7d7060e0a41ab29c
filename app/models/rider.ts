import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column, hasOne } from '@adonisjs/lucid/orm'
import type { HasOne } from '@adonisjs/lucid/types/relations'
import Wallet from '#models/wallet'

export type RiderStatus = 'normal' | 'frozen'
export type RiderSource = 'online' | 'offline'

/** A rider (用户) of one tenant, identified by phone (or, for a guest, a WeChat or Alipay account). */
export default class Rider extends compose(BaseModel, TenantOwned, Timestamps) {
  @column()
  declare name: string

  /** Null for a guest signed in by WeChat or Alipay until they bind a phone. */
  @column()
  declare phone: string | null

  /** A guest's short number, unique in the tenant: named 游客NNNN by it. */
  @column()
  declare guestNo: number | null

  /** 正常 / 冻结: a frozen rider can neither top up nor charge. */
  @column()
  declare status: RiderStatus

  /** 线上 (signed up in the app) / 线下 (opened at the counter). */
  @column()
  declare source: RiderSource

  @column.dateTime()
  declare registeredAt: DateTime

  @hasOne(() => Wallet)
  declare wallet: HasOne<typeof Wallet>
}
