import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/** A pile manufacturer (厂商) of a tenant, mapped to the vendor plugin that speaks its protocol. */
export default class Vendor extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare tenantId: number

  @column()
  declare name: string

  /** e.g. `vendor-dny`; may name a plugin not installed yet. */
  @column()
  declare pluginId: string

  @column()
  declare contact: string | null

  @column()
  declare note: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
