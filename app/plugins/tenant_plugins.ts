import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import vine from '@vinejs/vine'
import type { MessagesProviderContact } from '@vinejs/vine/types'
import DomainRefusal from '#exceptions/domain_refusal'
import TenantPlugin from '#models/tenant_plugin'
import type PluginRegistry from '#plugins/registry'
import type { PluginDefinition, PluginInstances, PluginKind } from '#sdk/contracts/plugin'
import type TenantContext from '#core/tenancy/tenant_context'
import env from '#start/env'

/** A refused plugin setting; the reason is an i18n key under `plugins.` */
export class PluginSettingRefused extends DomainRefusal<'unknownPlugin' | 'endpointNotAllowed'> {
  constructor(reason: PluginSettingRefused['reason']) {
    super('plugins', reason)
  }
}

/*
| Where payment, SMS and notify plugins may send a tenant's requests (and secrets):
| their provider's own hosts over HTTPS, or a host the platform lists in
| PROVIDER_HOSTS_ALLOWED (local gateways, tests, sandboxes). A tenant's
| setting never points a plugin anywhere else.
*/
export const PROVIDER_HOSTS: Readonly<Record<string, readonly string[]>> = {
  'payment-wechatpay': ['api.mch.weixin.qq.com', 'api2.mch.weixin.qq.com'],
  'payment-alipay': ['openapi.alipay.com'],
  'sms-aliyun': ['dysmsapi.aliyuncs.com'],
  'notify-wechat': ['api.weixin.qq.com'],
}

/** The kinds whose plugins call out to a provider with the tenant's credentials. */
const OUTBOUND_KINDS: readonly PluginKind[] = ['payment', 'sms', 'notify']

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i

function platformHosts() {
  return (env.get('PROVIDER_HOSTS_ALLOWED') ?? '')
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter(Boolean)
}

/** Whether a plugin of `pluginId` may be pointed at `text`. */
export function endpointAllowed(pluginId: string, text: string) {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return false
  }
  if (url.username || url.password) return false
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false
  const host = url.hostname.toLowerCase()
  if (platformHosts().includes(host)) return true
  return (
    url.protocol === 'https:' && url.port === '' && (PROVIDER_HOSTS[pluginId] ?? []).includes(host)
  )
}

/** The config fields holding an address the plugin would call, outside the allowed hosts. */
function disallowedEndpoints(plugin: PluginDefinition, config: Record<string, unknown>) {
  if (!OUTBOUND_KINDS.includes(plugin.kind)) return []
  return Object.entries(config)
    .filter(([, value]) => typeof value === 'string' && URL_LIKE.test(value.trim()))
    .filter(([, value]) => !endpointAllowed(plugin.id, (value as string).trim()))
    .map(([field]) => field)
}

const allowedEndpoint = vine.createRule((value, pluginId: string, field) => {
  if (typeof value === 'string' && !endpointAllowed(pluginId, value.trim())) {
    field.report('{field} is not an address of the provider', 'providerEndpoint', field)
  }
})

/** Refuses, as a field error of the form, any endpoint outside the allowed hosts. */
async function checkEndpoints(
  plugin: PluginDefinition,
  config: Record<string, unknown>,
  messagesProvider?: MessagesProviderContact
) {
  const fields = disallowedEndpoints(plugin, config)
  if (!fields.length) return
  const schema = vine.object(
    Object.fromEntries(fields.map((name) => [name, vine.any().use(allowedEndpoint(plugin.id))]))
  )
  await vine.create(schema).validate(config, { messagesProvider })
}

export interface PluginSettingInput {
  pluginId: string
  /** null: the whole tenant. */
  projectId: number | null
  enabled: boolean
  /** Raw config; a secret left out or empty keeps the stored one. */
  config: Record<string, unknown>
}

/**
 * The plugins each tenant enabled and their config. Config is validated with
 * the plugin's own schema; secrets go to an encrypted column and come back
 * only masked, except to the plugin itself.
 */
export default class TenantPluginService {
  constructor(protected registry: PluginRegistry) {}

  /**
   * Creates or updates the tenant's setting of a plugin for one scope. With
   * `trx` (from `tenant.run`) it joins the caller's transaction, so the
   * caller can audit the change in it.
   */
  async save(
    tenant: TenantContext,
    input: PluginSettingInput,
    options: { trx?: TransactionClientContract; messagesProvider?: MessagesProviderContact } = {}
  ) {
    const plugin = this.registry.get(input.pluginId)
    if (!plugin) throw new PluginSettingRefused('unknownPlugin')

    const work = async (trx: TransactionClientContract) => {
      const existing = await this.#scoped(tenant, trx, input.projectId)
        .where('plugin_id', plugin.id)
        .forUpdate()
        .first()
      const kept = existing?.secrets ?? {}
      const merged: Record<string, unknown> = { ...existing?.settings, ...input.config }
      for (const secret of plugin.secrets) {
        if (merged[secret] === undefined || merged[secret] === '') merged[secret] = kept[secret]
      }
      const config = await plugin.validateConfig(merged, {
        messagesProvider: options.messagesProvider,
      })
      await checkEndpoints(plugin, config, options.messagesProvider)
      const { settings, secrets } = this.registry.splitSecrets(plugin, config)

      const row = existing ?? new TenantPlugin()
      row.useTransaction(trx)
      row.merge({
        tenantId: tenant.tenantId,
        projectId: input.projectId,
        pluginId: plugin.id,
        kind: plugin.kind,
        settings,
        enabled: input.enabled,
      })
      row.secrets = secrets
      await row.save()
      return { id: row.id, ...this.describe(row) }
    }
    return options.trx ? work(options.trx) : tenant.run(work)
  }

  /** The tenant's plugin settings, secrets masked: safe to show or return. */
  list(tenant: TenantContext) {
    return tenant.run(async (trx) => {
      const rows = await tenant.query(TenantPlugin, trx).orderBy('id')
      return rows.map((row) => ({ id: row.id, ...this.describe(row) }))
    })
  }

  /**
   * The enabled plugin of `kind` for a project (its own first, then the
   * tenant-wide one), built with its config; null when none is enabled.
   */
  async resolve<Kind extends PluginKind>(
    tenant: TenantContext,
    kind: Kind,
    projectId: number | null = null
  ): Promise<{ settingId: number; pluginId: string; instance: PluginInstances[Kind] } | null> {
    const rows = await tenant.run((trx) =>
      tenant
        .query(TenantPlugin, trx)
        .where('kind', kind)
        .where('enabled', true)
        .where((scope) => {
          scope.whereNull('project_id')
          if (projectId !== null) scope.orWhere('project_id', projectId)
        })
        .orderByRaw('project_id NULLS LAST, updated_at DESC')
    )
    for (const row of rows) {
      const plugin = this.registry.find(row.pluginId, kind)
      if (!plugin) continue
      const instance = await this.#instantiate(tenant, plugin, row)
      return { settingId: row.id, pluginId: plugin.id, instance }
    }
    return null
  }

  /**
   * The instance of one stored setting, enabled or not: a payment opened
   * under a setting is followed up (notified, queried, refunded) with it.
   */
  async instanceOf<Kind extends PluginKind>(
    tenant: TenantContext,
    kind: Kind,
    settingId: number
  ): Promise<PluginInstances[Kind] | null> {
    const row = await tenant.run((trx) =>
      tenant.query(TenantPlugin, trx).where({ id: settingId, kind }).first()
    )
    const plugin = row && this.registry.find(row.pluginId, kind)
    if (!row || !plugin) return null
    return this.#instantiate(tenant, plugin, row)
  }

  /**
   * Builds a stored setting's plugin. Its endpoints are checked again: the
   * row may predate the rule, or the platform list may have shrunk since.
   */
  #instantiate<Kind extends PluginKind>(
    tenant: TenantContext,
    plugin: PluginDefinition<Kind>,
    row: TenantPlugin
  ): Promise<PluginInstances[Kind]> {
    const config = { ...row.settings, ...row.secrets }
    if (disallowedEndpoints(plugin, config).length) {
      throw new PluginSettingRefused('endpointNotAllowed')
    }
    return this.registry.instantiate(plugin, config, { tenantId: tenant.tenantId })
  }

  #scoped(tenant: TenantContext, trx: TransactionClientContract, projectId: number | null) {
    const query = tenant.query(TenantPlugin, trx)
    return projectId === null ? query.whereNull('project_id') : query.where('project_id', projectId)
  }

  /** A stored setting as it may be shown or audited: secrets masked. */
  describe(row: TenantPlugin) {
    const plugin = this.registry.get(row.pluginId)
    const config = { ...row.settings, ...row.secrets }
    return {
      pluginId: row.pluginId,
      kind: row.kind,
      projectId: row.projectId,
      enabled: row.enabled,
      config: plugin ? this.registry.maskConfig(plugin, config) : row.settings,
    }
  }
}
