import type { Logger } from '@adonisjs/core/logger'
import type { MessagesProviderContact } from '@vinejs/vine/types'

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

/** The merchant a payment provider collects for; notifications must name the same. */
export interface PaymentMerchant {
  merchantId: string
  /** The app the merchant id is used with (WeChat appid, Alipay app_id); null if the provider has none. */
  appId: string | null
}

/** A QR payment as the core asks a provider to open it. */
export interface QrPaymentRequest {
  /** Our payment number (out_trade_no): unique, 6-32 of [0-9A-Za-z_-]. */
  outTradeNo: string
  /** Fen, > 0. */
  amount: number
  /** Shown to the payer (e.g. 充值 50.00 元). */
  description: string
  /** Where the provider sends its signed notifications. */
  notifyUrl: string
  /** After this the provider must refuse to take the money. */
  expiresAt: Date
}

export interface QrPaymentCreated {
  /** What the QR code encodes (WeChat code_url, Alipay qr_code, sandbox page URL). */
  codeUrl: string
  /** The provider's raw answer, kept with the order. */
  raw: Record<string, unknown>
}

/** The provider's view of one of our payments. */
export interface PaymentQueryResult {
  outTradeNo: string
  /** `not_found`: the provider never saw it (or already forgot an unpaid one). */
  status: 'pending' | 'paid' | 'closed' | 'refunded' | 'not_found'
  /** Fen paid by the payer; null until paid. */
  amount: number | null
  providerTradeNo: string | null
  paidAt: Date | null
  merchant: PaymentMerchant | null
  raw: Record<string, unknown>
}

export interface RefundRequest {
  outTradeNo: string
  /** Our refund number (out_refund_no / out_request_no): the same on every retry. */
  outRefundNo: string
  /** Fen to give back, > 0, at most what is left of the payment. */
  amount: number
  /** Fen of the original payment. */
  total: number
  reason: string
  /** Where refund notifications go, for providers that send them. */
  notifyUrl: string
}

export interface RefundResult {
  outRefundNo: string
  status: 'pending' | 'succeeded' | 'failed'
  providerRefundNo: string | null
  raw: Record<string, unknown>
}

/** A verified notification, normalised. */
export type PaymentWebhookEvent =
  | {
      kind: 'payment'
      outTradeNo: string
      status: 'paid' | 'closed'
      /** Fen the payer paid. */
      amount: number
      providerTradeNo: string | null
      paidAt: Date | null
      merchant: PaymentMerchant
      raw: Record<string, unknown>
    }
  | {
      kind: 'refund'
      outTradeNo: string
      outRefundNo: string
      status: 'succeeded' | 'failed'
      amount: number
      providerRefundNo: string | null
      merchant: PaymentMerchant
      raw: Record<string, unknown>
    }

/** An HTTP request as it reached the webhook: headers lower-cased, the body untouched. */
export interface RawWebhook {
  headers: Record<string, string | undefined>
  rawBody: string
}

/** What the webhook answers, in the provider's own format. */
export interface WebhookReply {
  status: number
  headers?: Record<string, string>
  body: string
}

/** One row of a provider's daily bill. */
export interface BillRow {
  kind: 'payment' | 'refund'
  outTradeNo: string
  /** Refund rows only. */
  outRefundNo: string | null
  providerTradeNo: string | null
  /** Fen, always positive; the kind says which way it went. */
  amount: number
  occurredAt: Date
}

/** The contract of `payment` plugins. The core owns states, idempotency and the ledger. */
export interface PaymentProvider {
  readonly merchant: PaymentMerchant
  createQrPayment(request: QrPaymentRequest): Promise<QrPaymentCreated>
  query(outTradeNo: string): Promise<PaymentQueryResult>
  /** Closes an unpaid payment; resolves when the provider will no longer take it. */
  close(outTradeNo: string): Promise<void>
  refund(request: RefundRequest): Promise<RefundResult>
  /** The refund's current state at the provider. */
  queryRefund(outTradeNo: string, outRefundNo: string): Promise<RefundResult>
  /**
   * Verifies the signature on the raw body and normalises the notification;
   * throws PaymentWebhookRejected when it cannot be trusted. Returns null for
   * a genuine notification of an event the core does not act on.
   */
  parseWebhook(webhook: RawWebhook): Promise<PaymentWebhookEvent | null>
  /** The answer for a notification taken (`accepted`) or refused. */
  webhookReply(accepted: boolean, message?: string): WebhookReply
  /** The bill of one day (Asia/Shanghai), `YYYY-MM-DD`. */
  downloadBill(date: string): Promise<BillRow[]>
}

/** A notification whose signature, certificate or content cannot be trusted. */
export class PaymentWebhookRejected extends Error {
  constructor(
    readonly pluginId: string,
    readonly problem: string
  ) {
    super(`${pluginId}: webhook rejected: ${problem}`)
    this.name = 'PaymentWebhookRejected'
  }
}

/**
 * What each kind's factory returns. Vendor adapters get their contract with
 * their first plugins (issue 6); until then a vendor plugin cannot be defined.
 */
export interface PluginInstances {
  sms: SmsSender
  vendor: never
  payment: PaymentProvider
}

/** What a plugin's factory is given besides its validated config. */
export interface PluginContext {
  /** The tenant the instance works for; null outside a tenant (contract tests, tools). */
  tenantId: number | null
  logger: Logger
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
