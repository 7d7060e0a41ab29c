import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/** A pile manufacturer (厂商) of a tenant, mapped to the vendor plugin that speaks its protocol. */
export default class Vendor extends compose(BaseModel, TenantOwned, Timestamps) {
  @column()
  declare name: string

  /** e.g. `vendor-dny`; may name a plugin not installed yet. */
  @column()
  declare pluginId: string

  @column()
  declare contact: string | null

  @column()
  declare note: string | null
}
