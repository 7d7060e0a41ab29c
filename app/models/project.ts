import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'

export default class Project extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare tenantId: number

  @column()
  declare code: string

  @column()
  declare name: string

  @column()
  declare status: 'active' | 'archived'

  /** The 开卡 card fee (工本费) in fen; 0 binds at once without a payment. */
  @column()
  declare cardFee: number

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
