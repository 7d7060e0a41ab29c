import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/** A named set of permissions within one tenant (built-in or the tenant's own). */
export default class Role extends compose(BaseModel, TenantOwned, Timestamps) {
  @column()
  declare builtinKey: string | null

  @column()
  declare name: string
}
