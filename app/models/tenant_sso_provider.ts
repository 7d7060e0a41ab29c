import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, Timestamps } from '#models/mixins/tenant_owned'
import encryption from '@adonisjs/core/services/encryption'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import type { SsoProvider } from '#services/auth/sso/providers'

/**
 * A tenant's DingTalk or WeCom app: what its staff sign in through. The
 * client secret is kept encrypted with the app key, never in clear.
 */
export default class TenantSsoProvider extends compose(BaseModel, TenantOwned, Timestamps) {
  static table = 'tenant_sso_providers'

  @column()
  declare provider: SsoProvider

  /** DingTalk: the app's Client ID (AppKey); WeCom: the CorpID. */
  @column()
  declare clientId: string

  /** WeCom only: the AgentId of the tenant's self-built app. */
  @column()
  declare agentId: string | null

  @column({ serializeAs: null })
  declare clientSecretEncrypted: string

  @column()
  declare enabled: boolean

  get clientSecret(): string {
    const secret = encryption.decrypt<string>(this.clientSecretEncrypted)
    if (secret === null) throw new Error(`SSO secret of tenant ${this.tenantId} does not decrypt`)
    return secret
  }

  set clientSecret(secret: string) {
    this.clientSecretEncrypted = encryption.encrypt(secret)
  }
}
