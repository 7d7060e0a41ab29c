import { DateTime } from 'luxon'
import hash from '@adonisjs/core/services/hash'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withAuthFinder } from '@adonisjs/auth/mixins/lucid'
import { Timestamps } from '#models/mixins/tenant_owned'

const AuthFinder = withAuthFinder(() => hash.use('scrypt'), {
  uids: ['account'],
  passwordColumnName: 'password',
})

export type PlatformAdminStatus = 'active' | 'disabled'

/**
 * A platform console user, above every tenant. The app role has no right on
 * its table: every query runs on the owner connection.
 */
export default class PlatformAdmin extends compose(BaseModel, AuthFinder, Timestamps) {
  static table = 'platform_admins'
  static connection = 'owner'

  @column({ isPrimary: true })
  declare id: number

  @column()
  declare account: string

  @column()
  declare name: string

  @column({ serializeAs: null })
  declare password: string

  @column()
  declare status: PlatformAdminStatus

  @column.dateTime()
  declare lastLoginAt: DateTime | null
}
