import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'

export type RiderIdentityProvider = 'wechat' | 'alipay'

/** A WeChat openid or Alipay user id a rider signed in with at the H5. */
export default class RiderIdentity extends compose(BaseModel, TenantOwned, Timestamps) {
  static table = 'rider_identities'

  @column()
  declare riderId: number

  @column()
  declare provider: RiderIdentityProvider

  /** The official account's appid (WeChat) or the Alipay app id. */
  @column()
  declare appId: string

  /** WeChat: the openid under appId; Alipay: the user id. */
  @column()
  declare subject: string

  @column()
  declare unionId: string | null

  @column.dateTime()
  declare lastSignInAt: DateTime
}
