import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/** A top-up package (充值套餐) of a project: pay `amount`, get `bonus` on top; fen. */
export default class TopupPackage extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare tenantId: number

  @column()
  declare projectId: number

  @column()
  declare amount: number

  @column()
  declare bonus: number

  @column()
  declare sortOrder: number

  @column()
  declare enabled: boolean

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
