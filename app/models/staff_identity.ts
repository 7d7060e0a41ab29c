import { DateTime } from 'luxon'
import { BaseModel, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import Staff from '#models/staff'
import type { SsoProvider } from '#services/auth/sso/providers'

/** An external company account (DingTalk, WeCom) allowed to sign in as a staff member. */
export default class StaffIdentity extends BaseModel {
  static table = 'staff_identities'

  @column({ isPrimary: true })
  declare id: number

  @column()
  declare tenantId: number

  @column()
  declare staffId: number

  @column()
  declare provider: SsoProvider

  /** DingTalk: the unionId; WeCom: the userid within the corp. */
  @column()
  declare externalId: string

  @belongsTo(() => Staff)
  declare staff: BelongsTo<typeof Staff>

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
