import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/** A property owner (业主/物业) of a tenant, who shares in its stations' charging money. */
export default class Owner extends compose(BaseModel, TenantOwned, Timestamps) {
  @column()
  declare name: string

  @column()
  declare contact: string | null

  @column()
  declare phone: string | null
}
