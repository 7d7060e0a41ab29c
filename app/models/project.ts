import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import type { DeductionOrder } from '#core/wallet/deduction_order'

export default class Project extends compose(BaseModel, TenantOwned, Timestamps) {
  @column()
  declare code: string

  @column()
  declare name: string

  @column()
  declare status: 'active' | 'archived'

  /** The 开卡 card fee (工本费) in fen; 0 binds at once without a payment. */
  @column()
  declare cardFee: number

  /** 扣款顺序: which balance a charge takes first (the wallet's rules, see wallet_holds). */
  @column()
  declare deductionOrder: DeductionOrder

  /** 透支额度 in fen: how far below zero the real balance may go; 0: not at all. */
  @column()
  declare overdraftLimit: number

  /** 单次充值上限 in fen: the largest single top-up. */
  @column()
  declare topupMax: number
}
