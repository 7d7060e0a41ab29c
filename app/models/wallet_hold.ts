import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import type { DateTime } from 'luxon'
import { ProjectOwned, TenantOwned, Timestamps } from '#models/mixins/tenant_owned'

export type WalletHoldStatus = 'open' | 'settled' | 'released'

/**
 * The cap of one wallet-paid order, reserved while it runs (冻结金额), in
 * fen split as the settlement would take it. Written only by
 * #core/wallet/wallet_holds, under the wallet's lock.
 */
export default class WalletHold extends compose(BaseModel, TenantOwned, ProjectOwned, Timestamps) {
  @column()
  declare walletId: number

  @column()
  declare riderId: number

  @column()
  declare orderId: number

  @column()
  declare realFen: number

  @column()
  declare bonusFen: number

  @column()
  declare status: WalletHoldStatus

  @column()
  declare settledFen: number | null

  @column.dateTime()
  declare settledAt: DateTime | null

  @column.dateTime()
  declare releasedAt: DateTime | null
}
