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

/* ---------------------------------------------------------------------
| Vendor adapters: a pile protocol (DNY over TCP, JUY over MQTT, OCPP over
| WebSocket...). The gateway process creates each vendor plugin once, with
| platform config (config/gateway.ts), and starts it with the core's event
| sink. The adapter owns its listener or broker connection, framing,
| checksums, acks and resends; it reports normalised events to the sink
| and turns the core's commands into frames. It never writes money.
--------------------------------------------------------------------- */

/** A port's state as piles report it. Units are in the field names. */
export interface VendorPortReport {
  /** From 1. */
  portNo: number
  state: 'idle' | 'charging' | 'plugged' | 'full' | 'fault'
  powerDeciwatts?: number
  faultCode?: string | null
}

/** Who the pile is and what it says about itself, at login or heartbeat. */
export interface VendorPileReport {
  /** The pile's identity in its protocol (DNY physical id, JUY IMEI, OCPP chargeBoxId). */
  deviceKey: string
  ports?: VendorPortReport[]
  portCount?: number | null
  firmware?: string | null
  iccid?: string | null
  protocolVersion?: string | null
  ip?: string | null
  at?: Date
}

/** Whether the core lets the pile in: an unknown or disabled pile is kept out of charging. */
export interface VendorPileDecision {
  accepted: boolean
  /** Only when accepted: seconds between heartbeats the core expects. */
  heartbeatSeconds?: number
}

/** How a charge is to stop, as the pile is told. */
export type VendorChargeLimit =
  | { kind: 'full' }
  | { kind: 'duration'; seconds: number }
  | { kind: 'energy'; wattHours: number }
  | { kind: 'amount'; fen: number }

export type VendorCardDecision =
  | {
      authorised: true
      /** Our order number for the charge the pile is to start (16 ASCII chars fit DNY). */
      orderNo: string
      balanceFen: number
      limit: VendorChargeLimit
      maxDurationSeconds: number
    }
  | {
      authorised: false
      reason:
        | 'unknown_card'
        | 'lost_card'
        | 'frozen'
        | 'insufficient_balance'
        | 'port_busy'
        | 'unknown_pile'
    }

/** Why a charge ended, normalised from each protocol's codes. */
export type VendorStopReason =
  | 'full'
  | 'time_limit'
  | 'energy_limit'
  | 'amount_limit'
  | 'unplugged'
  | 'remote_stop'
  | 'local_stop'
  | 'overload'
  | 'fault'
  | 'power_loss'
  | 'other'

export interface VendorChargeEnd {
  deviceKey: string
  portNo: number
  /** Our order number when the pile carries it; else the adapter's transaction reference. */
  orderNo: string | null
  transactionRef?: string | null
  startedAt?: Date | null
  endedAt: Date
  /**
   * Null when the adapter does not know when the charge started (OCPP after
   * a gateway restart): the core takes the start it stored with the order.
   */
  durationSeconds: number | null
  /** The session's energy as the pile counts it; null when the pile reports only its meter register. */
  energyWattHours: number | null
  /**
   * The absolute meter register at the end (OCPP meterStop). Without a
   * session figure the core bills the register minus the start reading it
   * stored at chargeStarted; the pile's own energy figure wins when present.
   */
  meterStopWattHours?: number | null
  maxPowerDeciwatts?: number | null
  stopReason: VendorStopReason
  /** The protocol's own code, kept with the order. */
  rawStopCode?: string | null
}

/** Why a pile refused or failed a start, normalised from each protocol's answers. */
export type VendorStartFailure =
  'no_charger' | 'port_fault' | 'port_busy' | 'rejected' | 'timeout' | 'other'

/**
 * What a device presented to prove who it is, as its protocol carries it:
 * a secret (the OCPP AuthorizationKey as lower-case hex, however the charger
 * sent it; an MQTT password as text), the SIM ICCID a DNY module sends on
 * connect, or nothing.
 */
export type VendorDeviceProof =
  { kind: 'secret'; secret: string } | { kind: 'iccid'; iccid: string } | { kind: 'none' }

/**
 * The core's verdict on a device's identity, asked before the adapter lets a
 * connection speak for a pile.
 * - `authenticated`: proven (right secret, or the ICCID the pile is bound
 *   to). It replaces an older connection under the same key, as a reconnect.
 * - `unproven`: let in without proof: a registered pile whose tenant allows
 *   it (legacy chargers, `registered: true`), or a key nobody registered
 *   that may wait to be claimed (`registered: false`; it never charges). It
 *   never replaces an authenticated connection under the same key.
 * - `refused`: wrong or missing proof, an identity that changed, or no room
 *   for another unknown device; the adapter answers with its protocol's
 *   refusal (OCPP 401, MQTT CONNACK 4/5, closing the DNY socket).
 */
export type VendorIdentityDecision =
  | { outcome: 'authenticated' }
  | { outcome: 'unproven'; registered: boolean }
  | {
      outcome: 'refused'
      reason: 'bad_credentials' | 'identity_changed' | 'pending_full' | 'invalid_key'
    }

/** A device asking to speak for a pile. */
export interface VendorIdentityClaim {
  deviceKey: string
  proof: VendorDeviceProof
  /** The peer's address as the adapter sees it. */
  ip?: string | null
}

/** The core's side, given to an adapter when the gateway starts it. */
export interface VendorEventSink {
  /**
   * Who may speak for `deviceKey`: asked once per connection (and again when
   * a connection names another key) before any other event for that key.
   */
  authenticate(claim: VendorIdentityClaim): Promise<VendorIdentityDecision>
  pileOnline(report: VendorPileReport): Promise<VendorPileDecision>
  heartbeat(report: VendorPileReport): Promise<VendorPileDecision>
  portStatus(deviceKey: string, port: VendorPortReport): Promise<void>
  pileOffline(deviceKey: string): Promise<void>
  /**
   * A card swiped: may the pile start, and with which order and limit?
   * `portNo` is null when the protocol names no port at authorisation (OCPP
   * Authorize): the order then gets its port at chargeStarted.
   */
  cardSwiped(event: {
    deviceKey: string
    portNo: number | null
    cardNo: string
    at?: Date
  }): Promise<VendorCardDecision>
  /**
   * The pile confirms a charge started (after a swipe, a remote start, or
   * on its own for BLE/offline charges). Returns our order number.
   */
  chargeStarted(event: {
    deviceKey: string
    portNo: number
    orderNo: string | null
    transactionRef?: string | null
    idTag?: string | null
    meterStartWattHours?: number | null
    at: Date
  }): Promise<{ orderNo: string; accepted: boolean }>
  /**
   * The pile refused or failed a start (a swipe's or a remote one): the core
   * closes the order at once, nothing billed. Idempotent.
   */
  chargeStartFailed(event: {
    deviceKey: string
    portNo: number
    orderNo: string | null
    reason: VendorStartFailure
    /** The protocol's own answer, kept with the order. */
    detail?: string | null
    at: Date
  }): Promise<void>
  meterSample(event: {
    deviceKey: string
    portNo: number
    orderNo: string | null
    transactionRef?: string | null
    powerDeciwatts: number
    energyWattHours?: number | null
    at: Date
  }): Promise<void>
  /**
   * The settlement record. Idempotent: a pile resends it until acked, for
   * days; the adapter acks once this resolves.
   */
  chargeEnded(event: VendorChargeEnd): Promise<{ orderNo: string | null; settled: boolean }>
  /**
   * The pile's real outcome of a command that carried a `commandId`: acked,
   * refused (failed) or unanswered within the adapter's own timeout.
   * Reported once per command; the first report wins.
   */
  commandResult(event: {
    commandId: number
    status: 'acked' | 'failed' | 'timeout'
    result?: Record<string, unknown>
  }): Promise<void>
}

/**
 * What the core asks a pile to do. `commandId` is the device_commands row
 * the gateway sends; the adapter reports its outcome with commandResult.
 */
export type VendorCommand = { commandId?: number | null } & (
  | {
      type: 'start'
      portNo: number
      orderNo: string
      limit: VendorChargeLimit
      maxDurationSeconds: number
      balanceFen?: number
    }
  | { type: 'stop'; portNo: number; orderNo?: string | null }
  | { type: 'reboot' }
  | { type: 'set_parameters'; parameters: Record<string, string | number> }
)

export interface VendorCommandOutcome {
  status: 'acked' | 'failed' | 'timeout' | 'not_connected'
  /** The pile's own answer, normalised where the protocol says (e.g. no charger plugged). */
  detail?: string
  result?: Record<string, unknown>
}

/** The contract of `vendor` plugins. */
export interface VendorAdapter {
  /** Opens the listener or broker connection; piles may connect from now on. */
  start(sink: VendorEventSink): Promise<void>
  stop(): Promise<void>
  /** Where piles reach this adapter (e.g. `tcp://0.0.0.0:7001`), for logs and the README. */
  endpoint(): string
  /** Device keys of the piles connected now. */
  connected(): string[]
  send(deviceKey: string, command: VendorCommand): Promise<VendorCommandOutcome>
}

/** What `node ace pile:simulate` asks a vendor plugin's simulator to do. */
export interface VendorSimulationOptions {
  /** The adapter's endpoint to connect to. */
  endpoint: string
  piles: number
  ports: number
  durationSeconds: number
  /** Device keys to use (the demo seeds piles with these); generated when absent. */
  deviceKeys?: string[]
  /**
   * What each simulated pile proves itself with, by device key: the secret
   * (OCPP AuthorizationKey in hex, JUY MQTT password) or, for DNY, the ICCID
   * it was bound to. Piles without an entry present none.
   */
  credentials?: Record<string, string>
  /** Card numbers the simulated riders swipe. */
  cardNos?: string[]
  /** Seconds of simulated time per real second (power curves, end conditions). */
  speed?: number
  seed?: number
  logger: Logger
}

export interface VendorSimulationSummary {
  piles: number
  frames: { sent: number; received: number }
  swipes: number
  chargesStarted: number
  chargesEnded: number
  refusals: Record<string, number>
  errors: number
}

export interface VendorSimulator {
  run(options: VendorSimulationOptions): Promise<VendorSimulationSummary>
}

/** What each kind's factory returns. */
export interface PluginInstances {
  sms: SmsSender
  vendor: VendorAdapter
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
