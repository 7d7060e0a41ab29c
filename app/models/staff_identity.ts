import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import Staff from '#models/staff'
import type { SsoProvider } from '#services/auth/sso/providers'

/** An external company account (DingTalk, WeCom) allowed to sign in as a staff member. */
export default class StaffIdentity extends compose(BaseModel, TenantOwned, Timestamps) {
  static table = 'staff_identities'

  @column()
  declare staffId: number

  @column()
  declare provider: SsoProvider

  /** DingTalk: the unionId; WeCom: the userid within the corp. */
  @column()
  declare externalId: string

  @belongsTo(() => Staff)
  declare staff: BelongsTo<typeof Staff>
}
