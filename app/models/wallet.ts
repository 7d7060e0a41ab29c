import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/**
 * A rider's balances in fen. Read-only outside WalletService, which changes
 * them only together with the ledger entries that explain them.
 */
export default class Wallet extends compose(BaseModel, TenantOwned, Timestamps) {
  @column()
  declare riderId: number

  /** Real money (实际充值余额); negative only within a project's overdraft. */
  @column()
  declare realBalance: number

  /** Bonus money (赠送余额); never negative. */
  @column()
  declare bonusBalance: number
}
