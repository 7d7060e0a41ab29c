import { inject } from '@adonisjs/core'
import app from '@adonisjs/core/services/app'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { errors } from '@vinejs/vine'
import type { MessagesProviderContact } from '@vinejs/vine/types'
import DomainRefusal from '#exceptions/domain_refusal'
import Project from '#models/project'
import TenantPlugin from '#models/tenant_plugin'
import type { PluginDefinition, PluginKind } from '#sdk/contracts/plugin'
import TenantPluginService, { PluginSettingRefused } from '#plugins/tenant_plugins'
import AuditService from '#core/audit/audit_service'
import GrantGuard, { type GrantAttempt } from '#services/permissions/grant_guard'
import ProtectedFields from '#services/settings/protected_fields'
import WebhookRefusals from '#services/finance/webhook_refusals'
import TenantContext from '#core/tenancy/tenant_context'

/**
 * A new plugin setting: the plugin, the whole tenant (null) or one project,
 * its raw config; `confirm` repeats each protected field given.
 */
export interface PluginSettingCreateInput {
  pluginId: string
  projectId: number | null
  enabled: boolean
  config: Record<string, unknown>
  confirm?: Record<string, unknown>
}

/** An edit: a secret left empty keeps the stored one; `confirm` repeats each protected field changed. */
export interface PluginSettingUpdateInput {
  enabled: boolean
  config: Record<string, unknown>
  confirm?: Record<string, unknown>
}

/**
 * The fields that decide which notifications and answers are believed (the
 * provider's public key, certificates): whoever changes them could accept
 * forged payments. Setting or changing one needs tenant-wide rights and the
 * new value typed twice; the audit names the field, never the value
 * (ProtectedFields).
 */
const PROTECTED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'payment-alipay': ['alipayPublicKey'],
  'payment-wechatpay': ['platformPublicKey', 'platformCertificates'],
}

/**
 * The 配置 pages built on plugin settings, each the plugin kinds it
 * configures (the first one is what each project is shown to use) and its
 * name in audit records and i18n keys: 支付配置 the payment providers;
 * 短信配置 the SMS senders and the notify plugins that also message riders.
 */
export const PLUGIN_SETTINGS_SECTIONS = {
  payment: { kinds: ['payment'], name: 'payment_settings' },
  sms: { kinds: ['sms', 'notify'], name: 'sms_settings' },
} as const satisfies Record<string, { kinds: readonly PluginKind[]; name: string }>

export type PluginSettingsSection = keyof typeof PLUGIN_SETTINGS_SECTIONS

/** A refused change of a setting; the reason is an i18n key under the section's name. */
class SectionSettingRefused extends DomainRefusal<
  'alreadyConfigured' | 'inUse' | 'projectNotFound'
> {
  constructor(section: PluginSettingsSection, reason: SectionSettingRefused['reason']) {
    super(PLUGIN_SETTINGS_SECTIONS[section].name, reason)
  }
}

/** What the page needs of a stored setting. */
interface SettingRow {
  id: number
  projectId: number | null
  pluginId: string
  enabled: boolean
  updatedAt: number
}

/**
 * The setting a project uses (pays its QR payments, sends its texts), in TenantPluginService.resolve's
 * order: the project's own enabled setting first, then a tenant-wide one,
 * the latest changed first; null when none applies.
 */
function appliedSetting<Row extends SettingRow>(
  rows: Row[],
  projectId: number,
  known: (pluginId: string) => boolean
): Row | null {
  const candidates = rows.filter(
    (row) =>
      row.enabled && known(row.pluginId) && (row.projectId === projectId || row.projectId === null)
  )
  candidates.sort(
    (a, b) =>
      Number(a.projectId === null) - Number(b.projectId === null) || b.updatedAt - a.updatedAt
  )
  return candidates[0] ?? null
}

/**
 * A 配置 page of plugin settings (PLUGIN_SETTINGS_SECTIONS), tenant-wide or
 * per project. Config goes through TenantPluginService (the plugin's schema, secrets
 * encrypted); pages and audit records only ever get it masked. Staff
 * limited to projects see tenant-wide settings and their projects' own.
 */
@inject()
export default class PluginSettingsService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService,
    protected grants: GrantGuard,
    protected protectedFields: ProtectedFields
  ) {}

  async overview(section: PluginSettingsSection) {
    const { kinds } = PLUGIN_SETTINGS_SECTIONS[section]
    const registry = await app.container.make('plugins')
    const plugins = new TenantPluginService(registry)
    return this.tenant.run(async (trx) => {
      const rows = await this.#visible(trx, section).orderByRaw('project_id NULLS FIRST, id')
      const projects = await this.tenant
        .limitToProjects(this.tenant.query(Project, trx), 'id')
        .where('status', 'active')
        .orderBy('id')
        .select('id', 'name')
      const used = new Set(
        await this.#usedIds(
          trx,
          rows.map((row) => row.id)
        )
      )

      const refused = await new WebhookRefusals().summaries(
        trx,
        this.tenant,
        rows.map((row) => row.id)
      )

      const settings = rows.map((row) => ({
        id: row.id,
        ...plugins.describe(row),
        updatedAt: row.updatedAt.toMillis(),
        inUse: used.has(row.id),
        // Notifications refused before they could be trusted (forged or broken), counted per hour.
        webhookRefusals: refused.get(row.id) ?? null,
      }))
      const known = (pluginId: string) => registry.find(pluginId, kinds[0]) !== null
      return {
        settings: settings.map(({ updatedAt: _, ...setting }) => setting),
        projects: projects.map((project) => ({
          id: project.id,
          name: project.name,
          settingId: appliedSetting(settings, project.id, known)?.id ?? null,
        })),
        plugins: kinds
          .flatMap((kind) => registry.list(kind))
          .map((plugin) => ({
            id: plugin.id,
            fields: plugin.configSchema,
            secrets: plugin.secrets,
            protected: PROTECTED_FIELDS[plugin.id] ?? [],
          })),
      }
    })
  }

  /** A visible setting (404 otherwise), for the controller to authorize its scope. */
  find(section: PluginSettingsSection, id: number) {
    return this.tenant.run((trx) => this.#find(trx, section, id))
  }

  /** A new setting; its protected fields, set for the first time, follow the rules of a change. */
  async create(
    section: PluginSettingsSection,
    input: PluginSettingCreateInput,
    messagesProvider?: MessagesProviderContact
  ) {
    const { name } = PLUGIN_SETTINGS_SECTIONS[section]
    const { plugin, plugins } = await this.#plugin(section, input.pluginId)
    return this.grants.run(this.tenant, async (trx) => {
      if (input.projectId !== null) await this.#checkProject(trx, section, input.projectId)
      const taken = await this.#scoped(trx, input.projectId).where('plugin_id', plugin.id).first()
      if (taken) throw new SectionSettingRefused(section, 'alreadyConfigured')
      const config = configInput(plugin, input.config)
      const saved = await plugins
        .save(
          this.tenant,
          { pluginId: plugin.id, projectId: input.projectId, enabled: input.enabled, config },
          { trx, messagesProvider }
        )
        .catch(underConfig)
      // Checked once the schema accepted the config; a refusal rolls the save back.
      const changed = await this.#protectedChanges(plugin, {}, config, input.confirm ?? {}, {
        action: `${name}.create`,
        target: null,
        messagesProvider,
      })
      await this.#record(trx, `${name}.create`, saved, null, saved)
      await this.#recordProtected(trx, name, saved, plugin, changed)
      return saved
    })
  }

  async update(
    section: PluginSettingsSection,
    id: number,
    input: PluginSettingUpdateInput,
    messagesProvider?: MessagesProviderContact
  ) {
    const { name } = PLUGIN_SETTINGS_SECTIONS[section]
    return this.grants.run(this.tenant, async (trx) => {
      const row = await this.#find(trx, section, id)
      const { plugin, plugins } = await this.#plugin(section, row.pluginId)
      const before = plugins.describe(row)
      const stored = { ...row.settings }
      const config = configInput(plugin, input.config)
      const saved = await plugins
        .save(
          this.tenant,
          { pluginId: plugin.id, projectId: row.projectId, enabled: input.enabled, config },
          { trx, messagesProvider }
        )
        .catch(underConfig)
      // Checked once the schema accepted the config; a refusal rolls the save back.
      const changed = await this.#protectedChanges(plugin, stored, config, input.confirm ?? {}, {
        action: `${name}.update`,
        target: { type: 'tenant_plugin', id: row.id },
        messagesProvider,
      })
      await this.#record(trx, `${name}.update`, saved, before, saved)
      await this.#recordProtected(trx, name, saved, plugin, changed)
      return saved
    })
  }

  /** Switches a setting on or off; its config is not touched (nor re-checked). */
  async setEnabled(section: PluginSettingsSection, id: number, enabled: boolean) {
    const { name } = PLUGIN_SETTINGS_SECTIONS[section]
    const plugins = new TenantPluginService(await app.container.make('plugins'))
    return this.tenant.run(async (trx) => {
      const row = await this.#find(trx, section, id)
      const before = plugins.describe(row)
      row.enabled = enabled
      await row.save()
      const after = { id: row.id, ...plugins.describe(row) }
      const action = enabled ? `${name}.enable` : `${name}.disable`
      await this.#record(trx, action, after, before, after)
    })
  }

  /** Deletes a setting no payment or reconciliation refers to; those can only be disabled. */
  async destroy(section: PluginSettingsSection, id: number) {
    const { name } = PLUGIN_SETTINGS_SECTIONS[section]
    const plugins = new TenantPluginService(await app.container.make('plugins'))
    return this.tenant.run(async (trx) => {
      const row = await this.#find(trx, section, id)
      const used = await this.#usedIds(trx, [row.id])
      if (used.length) throw new SectionSettingRefused(section, 'inUse')
      const before = { id: row.id, ...plugins.describe(row) }
      await row.delete()
      await this.#record(trx, `${name}.delete`, before, before, null)
    })
  }

  /**
   * The protected fields this config sets anew, once the actor may set them
   * (ProtectedFields: tenant-wide rights, each new value typed again in
   * `confirm.<field>`). Keys and certificates compare whatever their line
   * breaks and spaces.
   */
  #protectedChanges(
    plugin: PluginDefinition,
    stored: Record<string, unknown>,
    config: Record<string, unknown>,
    confirm: Record<string, unknown>,
    context: {
      action: string
      target: GrantAttempt['target']
      messagesProvider?: MessagesProviderContact
    }
  ) {
    return this.protectedFields.changed(this.tenant, {
      fields: PROTECTED_FIELDS[plugin.id] ?? [],
      stored,
      given: config,
      confirm: configInput(plugin, confirm),
      attempt: { action: context.action, target: context.target },
      same: sameValue,
      messagesProvider: context.messagesProvider,
    })
  }

  /** The audit record of protected fields set: their names, never their values. */
  async #recordProtected(
    trx: TransactionClientContract,
    name: string,
    saved: { id: number; projectId: number | null },
    plugin: PluginDefinition,
    fields: string[]
  ) {
    if (!fields.length) return
    await this.#record(trx, `${name}.protected_change`, saved, null, {
      pluginId: plugin.id,
      fields,
    })
  }

  async #plugin(section: PluginSettingsSection, pluginId: string) {
    const registry = await app.container.make('plugins')
    const plugin = PLUGIN_SETTINGS_SECTIONS[section].kinds
      .map((kind) => registry.find(pluginId, kind))
      .find(Boolean)
    if (!plugin) throw new PluginSettingRefused('unknownPlugin')
    return { plugin, plugins: new TenantPluginService(registry) }
  }

  #visible(trx: TransactionClientContract, section: PluginSettingsSection) {
    const query = this.tenant
      .query(TenantPlugin, trx)
      .whereIn('kind', [...PLUGIN_SETTINGS_SECTIONS[section].kinds])
    const projectIds = this.tenant.projectIds
    if (projectIds === null) return query
    return query.where((scope) => scope.whereNull('project_id').orWhereIn('project_id', projectIds))
  }

  #find(trx: TransactionClientContract, section: PluginSettingsSection, id: number) {
    return this.#visible(trx, section).where('id', id).forUpdate().firstOrFail()
  }

  #scoped(trx: TransactionClientContract, projectId: number | null) {
    const query = this.tenant.query(TenantPlugin, trx)
    return projectId === null ? query.whereNull('project_id') : query.where('project_id', projectId)
  }

  async #checkProject(
    trx: TransactionClientContract,
    section: PluginSettingsSection,
    projectId: number
  ) {
    const project = await this.tenant
      .limitToProjects(this.tenant.query(Project, trx), 'id')
      .where('id', projectId)
      .where('status', 'active')
      .first()
    if (!project) throw new SectionSettingRefused(section, 'projectNotFound')
  }

  /** Which of `ids` payments or reconciliations refer to (the database forbids deleting those). */
  async #usedIds(trx: TransactionClientContract, ids: number[]) {
    if (!ids.length) return []
    const rows = await trx
      .from('payment_orders')
      .where('tenant_id', this.tenant.tenantId)
      .whereIn('tenant_plugin_id', ids)
      .distinct('tenant_plugin_id')
      .union((query) =>
        query
          .from('reconciliation_runs')
          .where('tenant_id', this.tenant.tenantId)
          .whereIn('tenant_plugin_id', ids)
          .distinct('tenant_plugin_id')
      )
    return rows.map((row) => Number(row.tenant_plugin_id))
  }

  /** Audited with the config as shown: secrets already masked by the registry. */
  #record(
    trx: TransactionClientContract,
    action: string,
    setting: { id: number; projectId: number | null },
    before: unknown,
    after: unknown
  ) {
    return this.audit.recordInContext(
      this.tenant,
      {
        action,
        projectId: setting.projectId,
        target: { type: 'tenant_plugin', id: setting.id },
        before: withoutProtected(before),
        after: withoutProtected(after),
      },
      trx
    )
  }
}

/** The plugin schema's field errors, named as the form sends them: `config.<field>`. */
function underConfig(error: unknown): never {
  if (!(error instanceof errors.E_VALIDATION_ERROR)) throw error
  throw new errors.E_VALIDATION_ERROR(
    error.messages.map((message: { field: string }) => ({
      ...message,
      field: `config.${message.field}`,
    }))
  )
}

/** Whether two key or certificate values are the same, whatever their line breaks and spaces. */
function sameValue(a: unknown, b: unknown) {
  const plain = (value: unknown) =>
    JSON.stringify(value ?? null, (_key, inner) =>
      typeof inner === 'string' ? inner.replace(/\s/g, '') : inner
    )
  return plain(a) === plain(b)
}

/** A setting as audited: protected fields named, their values left out. */
function withoutProtected(value: unknown) {
  if (typeof value !== 'object' || value === null || !('config' in value)) return value
  const setting = value as { pluginId?: string; config: Record<string, unknown> }
  const fields = PROTECTED_FIELDS[setting.pluginId ?? ''] ?? []
  const config = { ...setting.config }
  for (const field of fields) if (field in config) config[field] = '(protected)'
  return { ...setting, config }
}

/**
 * The page's raw values as the plugin's schema expects them: an emptied
 * plain field is removed (undefined, so the stored value goes too), an
 * empty secret stays empty (TenantPluginService keeps the stored one), and
 * a list field typed as text becomes its PEM blocks, or its lines.
 */
function configInput(plugin: PluginDefinition, raw: Record<string, unknown>) {
  const config: Record<string, unknown> = {}
  for (const field of plugin.configSchema) {
    const value = raw[field.name]
    if (plugin.secrets.includes(field.name)) config[field.name] = value ?? ''
    else if (value === '' || value === null || value === undefined) config[field.name] = undefined
    else if (field.type === 'list' && typeof value === 'string') config[field.name] = listOf(value)
    else config[field.name] = value
  }
  return config
}

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----/g

function listOf(text: string) {
  const blocks = text.match(PEM_BLOCK)
  if (blocks) return blocks.map((block) => `${block}\n`)
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
}
