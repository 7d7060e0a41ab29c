import type { PluginLogger } from '../logger.js'
import type { MessagesProviderContact } from '@vinejs/vine/types'
import type { NotifySender } from './notify.js'
import type { PaymentProvider } from './payment.js'
import type { SmsSender } from './sms.js'
import type { VendorAdapter, VendorSimulator } from './vendor.js'

/*
| What every plugin kind shares. A plugin is a folder under plugins/ whose
| index.ts default-exports definePlugin({...}) (sdk/define_plugin.ts); the
| app finds it at boot. Each kind has its contract beside this file and a
| contract test suite under sdk/testing/ that its plugins run.
*/

export const PLUGIN_KINDS = ['vendor', 'payment', 'sms', 'notify'] as const
export type PluginKind = (typeof PLUGIN_KINDS)[number]

/** What each kind's factory returns. */
export interface PluginInstances {
  sms: SmsSender
  vendor: VendorAdapter
  payment: PaymentProvider
  notify: NotifySender
}

/** What a plugin's factory is given besides its validated config. */
export interface PluginContext {
  /** The tenant the instance works for; null outside a tenant (contract tests, tools). */
  tenantId: number | null
  logger: PluginLogger
  /** Where this PileHub is reached from outside, without a trailing slash. */
  publicUrl: string
}

/**
 * A request to a plugin's own HTTP endpoints, served at
 * `/plugins/<id>/...` without login: pages and callbacks of the outside
 * service a plugin stands for (e.g. the sandbox gateway's payer page).
 */
export interface PluginHttpRequest {
  method: string
  /** The path below `/plugins/<id>`, starting with `/`. */
  path: string
  query: Record<string, string>
  /** Lower-cased names. */
  headers: Record<string, string | undefined>
  rawBody: string
  /** The public URL of `/plugins/<id>`. */
  baseUrl: string
}

export interface PluginHttpResponse {
  status: number
  headers?: Record<string, string>
  body: string
}

/** A config field as its schema types it, so a settings form can offer the right input. */
export interface PluginConfigField {
  name: string
  /** `list`: an array of texts (e.g. several PEM certificates). */
  type: 'string' | 'number' | 'boolean' | 'list' | 'other'
  /** Optional in the schema (it may still be required together with another field). */
  optional: boolean
}

/** A plugin as the registry holds it: definePlugin's output. */
export interface PluginDefinition<
  Kind extends PluginKind = PluginKind,
  Config extends Record<string, unknown> = Record<string, any>,
  Instance = PluginInstances[Kind],
> {
  readonly id: string
  readonly kind: Kind
  readonly version: string
  /** Config fields, in schema order. */
  readonly configFields: readonly string[]
  /** The same fields with their types, in schema order. */
  readonly configSchema: readonly PluginConfigField[]
  /** Config fields that are credentials: stored encrypted, never shown in full. */
  readonly secrets: readonly string[]
  readonly capabilities: readonly string[]
  /** A development aid that must never load in production. */
  readonly developmentOnly: boolean
  /**
   * Validates raw config with the plugin's VineJS schema; throws a VineJS
   * ValidationError, its messages from `messagesProvider` when given.
   */
  validateConfig(
    raw: unknown,
    options?: { messagesProvider?: MessagesProviderContact }
  ): Promise<Config>
  create(config: Config, context: PluginContext): Instance | Promise<Instance>
  http?(request: PluginHttpRequest): Promise<PluginHttpResponse>
  simulator?(): Promise<VendorSimulator>
}

/**
 * A provider (or a sender standing in for one) refused or failed to deliver.
 * `providerCode` is the provider's own error code (e.g. Aliyun's
 * `SignatureDoesNotMatch`), for logs and support tickets.
 */
export class PluginProviderError extends Error {
  constructor(
    readonly pluginId: string,
    readonly providerCode: string,
    readonly providerMessage: string,
    readonly requestId: string | null = null,
    options?: ErrorOptions
  ) {
    super(
      `${pluginId}: ${providerCode}: ${providerMessage}` +
        (requestId ? ` (request ${requestId})` : ''),
      options
    )
    this.name = 'PluginProviderError'
  }
}
