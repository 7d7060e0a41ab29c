/*
| The contract of `payment` plugins: QR payments, refunds, signed
| notifications and the daily bill of one provider. The core owns states,
| idempotency and the ledger; amounts are integer fen.
*/

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
