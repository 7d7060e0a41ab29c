import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, Timestamps } from '#models/mixins/tenant_owned'
import encryption from '@adonisjs/core/services/encryption'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import type { PluginKind } from '#sdk/contracts/plugin'

/**
 * A plugin a tenant enabled, tenant-wide (projectId null) or for one
 * project. Its secret config fields are kept encrypted with the app key.
 */
export default class TenantPlugin extends compose(BaseModel, TenantOwned, Timestamps) {
  static table = 'tenant_plugins'

  @column()
  declare projectId: number | null

  @column()
  declare pluginId: string

  @column()
  declare kind: PluginKind

  @column({ prepare: (value: Record<string, unknown>) => JSON.stringify(value) })
  declare settings: Record<string, unknown>

  @column({ serializeAs: null })
  declare secretsEncrypted: string | null

  @column()
  declare enabled: boolean

  get secrets(): Record<string, unknown> {
    if (this.secretsEncrypted === null) return {}
    const secrets = encryption.decrypt<Record<string, unknown>>(this.secretsEncrypted)
    if (secrets === null) {
      throw new Error(`Secrets of plugin ${this.pluginId} (tenant ${this.tenantId}) do not decrypt`)
    }
    return secrets
  }

  set secrets(secrets: Record<string, unknown>) {
    this.secretsEncrypted = Object.keys(secrets).length ? encryption.encrypt(secrets) : null
  }
}
