import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, ProjectOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/** A top-up package (充值套餐) of a project: pay `amount`, get `bonus` on top; fen. */
export default class TopupPackage extends compose(
  BaseModel,
  TenantOwned,
  ProjectOwned,
  Timestamps
) {
  @column()
  declare amount: number

  @column()
  declare bonus: number

  @column()
  declare sortOrder: number

  @column()
  declare enabled: boolean
}
