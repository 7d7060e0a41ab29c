import { compose } from '@adonisjs/core/helpers'
import { Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column, hasMany } from '@adonisjs/lucid/orm'
import type { HasMany } from '@adonisjs/lucid/types/relations'
import Project from '#models/project'

export type TenantStatus = 'active' | 'suspended'

export default class Tenant extends compose(BaseModel, Timestamps) {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare code: string

  @column()
  declare name: string

  @column()
  declare status: TenantStatus

  @hasMany(() => Project)
  declare projects: HasMany<typeof Project>
}
