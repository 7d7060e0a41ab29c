import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/**
 * A rider's balances in fen. Read-only outside WalletService, which changes
 * them only together with the ledger entries that explain them.
 */
export default class Wallet extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare tenantId: number

  @column()
  declare riderId: number

  /** Real money (实际充值余额); negative only within a project's overdraft. */
  @column()
  declare realBalance: number

  /** Bonus money (赠送余额); never negative. */
  @column()
  declare bonusBalance: number

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
