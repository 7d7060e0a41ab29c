import { compose } from '@adonisjs/core/helpers'
import encryption from '@adonisjs/core/services/encryption'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { TenantOwned, Timestamps } from '#models/mixins/tenant_owned'
import type { RiderIdentityProvider } from '#models/rider_identity'

/**
 * A tenant's WeChat official account or Alipay app riders sign in through
 * at the H5. The secret (AppSecret, or the Alipay application private key)
 * is kept encrypted with the app key, never in clear.
 */
export default class RiderOauthApp extends compose(BaseModel, TenantOwned, Timestamps) {
  static table = 'rider_oauth_apps'

  @column()
  declare provider: RiderIdentityProvider

  /** The official account's AppID or the Alipay app id. */
  @column()
  declare appId: string

  @column({ serializeAs: null })
  declare secretEncrypted: string

  /** Alipay only. */
  @column()
  declare alipayPublicKey: string | null

  @column()
  declare enabled: boolean

  /** Null when it no longer decrypts (another APP_KEY): the app then counts as not set up. */
  get secret(): string | null {
    return encryption.decrypt<string>(this.secretEncrypted)
  }

  set secret(secret: string) {
    this.secretEncrypted = encryption.encrypt(secret)
  }
}
