import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'

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
}
