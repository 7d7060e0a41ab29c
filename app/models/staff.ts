import { DateTime } from 'luxon'
import hash from '@adonisjs/core/services/hash'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { withAuthFinder } from '@adonisjs/auth/mixins/lucid'
import { DbRememberMeTokensProvider } from '@adonisjs/auth/session'
import Tenant from '#models/tenant'
import { TenantOwned, Timestamps } from '#models/mixins/tenant_owned'

const AuthFinder = withAuthFinder(() => hash.use('scrypt'), {
  uids: ['account'],
  passwordColumnName: 'password',
})

/** A back-office user of one tenant. */
export default class Staff extends compose(BaseModel, AuthFinder, TenantOwned, Timestamps) {
  static table = 'staff'
  static rememberMeTokens = DbRememberMeTokensProvider.forModel(Staff)

  @column()
  declare account: string

  @column()
  declare name: string

  @column({ serializeAs: null })
  declare password: string

  @column()
  declare status: 'active' | 'disabled'

  @column()
  declare mustChangePassword: boolean

  @column.dateTime()
  declare lastLoginAt: DateTime | null

  @belongsTo(() => Tenant)
  declare tenant: BelongsTo<typeof Tenant>
}
