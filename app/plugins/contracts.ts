import type { Logger } from '@adonisjs/core/logger'

/*
| What the core expects of a plugin. A plugin is a folder under plugins/
| whose index.ts default-exports definePlugin({...}) (app/plugins/define_plugin.ts);
| the registry finds it at boot. Each kind has a contract below and a
| contract test suite under tests/contracts/ that its plugins run.
*/

export const PLUGIN_KINDS = ['vendor', 'payment', 'sms'] as const
export type PluginKind = (typeof PLUGIN_KINDS)[number]

/** A text message with a verification code, as the core asks a sender to deliver it. */
export interface VerificationCodeMessage {
  /** Mainland mobile number, 11 digits. */
  phone: string
  /** The code itself (6 digits). */
  code: string
  /** Further template variables, besides `code`. */
  templateParams?: Record<string, string>
}

/** The last code an `inbox` sender delivered to a phone (development senders only). */
export interface DeliveredCode {
  code: string
  sentAt: Date
}

/** The contract of `sms` plugins. */
export interface SmsSender {
  sendVerificationCode(message: VerificationCodeMessage): Promise<{ providerMessageId: string }>
  /**
   * Senders with the `inbox` capability keep what they delivered, so staff
   * can read the code in development where no real text is sent.
   */
  lastDelivered?(phone: string): DeliveredCode | null
}

/**
 * What each kind's factory returns. Vendor adapters and payment providers get
 * their contracts with their first plugins (issues 5 and 6); until then a
 * plugin of those kinds cannot be defined.
 */
export interface PluginInstances {
  sms: SmsSender
  vendor: never
  payment: never
}

/** What a plugin's factory is given besides its validated config. */
export interface PluginContext {
  /** The tenant the instance works for; null outside a tenant (contract tests, tools). */
  tenantId: number | null
  logger: Logger
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
  /** Config fields that are credentials: stored encrypted, never shown in full. */
  readonly secrets: readonly string[]
  readonly capabilities: readonly string[]
  /** A development aid that must never load in production. */
  readonly developmentOnly: boolean
  /** Validates raw config with the plugin's VineJS schema; throws a VineJS ValidationError. */
  validateConfig(raw: unknown): Promise<Config>
  create(config: Config, context: PluginContext): Instance | Promise<Instance>
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
