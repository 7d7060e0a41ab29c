/*
| The contract of `payment` plugins: QR and mobile payments, refunds, signed
| notifications and the daily bill of one provider. The core owns states,
| idempotency and the ledger; amounts are integer fen.
|
| A payment is opened in one of the provider's modes (native QR, jsapi
| inside the provider's app, h5 in a mobile browser). Only the opening
| differs: notifications, queries, closing, refunds and bills are the same
| for every mode at each provider, so they stay mode-less here.
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

/**
 * How the payer pays. `native`: a QR code (WeChat Native, Alipay precreate);
 * `jsapi`: inside the provider's app, by its JS bridge (WeChat JSAPI, Alipay
 * alipay.trade.create); `h5`: a mobile browser sent to the provider's page
 * (WeChat H5, Alipay wap).
 */
export type PaymentMode = 'native' | 'jsapi' | 'h5'

export const PAYMENT_MODES: readonly PaymentMode[] = ['native', 'jsapi', 'h5']

/** A payment as the core asks a provider to open it on the payer's phone, by mode. */
export type MobilePaymentRequest = QrPaymentRequest &
  (
    | { mode: 'native' }
    | {
        mode: 'jsapi'
        /** WeChat: the payer's openid under the merchant's appId; Alipay: buyer_id (2088…) or buyer_open_id. */
        payerId: string
      }
    | {
        mode: 'h5'
        /** The payer's IP as our web server saw it (WeChat H5 requires it). */
        payerIp: string
        /** Where the provider sends the payer back (Alipay return_url/quit_url, WeChat redirect_url). */
        returnUrl: string
      }
  )

/** The parameters a page passes to `WeixinJSBridge.invoke('getBrandWCPayRequest', …)`, all strings. */
export interface WechatBridgeParams {
  appId: string
  /** Unix seconds. */
  timeStamp: string
  nonceStr: string
  /** `prepay_id=…` */
  package: string
  signType: 'RSA'
  /** base64 SHA256withRSA over `appId\ntimeStamp\nnonceStr\npackage\n` by the merchant key. */
  paySign: string
}

/** What the rider's page receives, by mode. */
export type MobilePaymentCreated = (
  | { mode: 'native'; codeUrl: string }
  | { mode: 'jsapi'; bridge: 'WeixinJSBridge'; params: WechatBridgeParams }
  /** The page calls `AlipayJSBridge.call('tradePay', { tradeNO })`. */
  | { mode: 'jsapi'; bridge: 'AlipayJSBridge'; tradeNo: string }
  /** The sandbox's stand-in for a bridge: the page opens its pay page. */
  | { mode: 'jsapi'; bridge: 'sandbox'; payUrl: string }
  /** The page sends the browser there (WeChat h5_url, Alipay's signed gateway URL). */
  | { mode: 'h5'; redirectUrl: string }
) & {
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
  /** The modes this provider can open; `['native']` when left out. */
  readonly modes?: readonly PaymentMode[]
  createQrPayment(request: QrPaymentRequest): Promise<QrPaymentCreated>
  /**
   * Opens a payment in one of `modes`; throws PaymentModeUnsupported for
   * any other. Needed only by providers with modes besides `native`.
   */
  createMobilePayment?(request: MobilePaymentRequest): Promise<MobilePaymentCreated>
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

/** A payment mode the provider (or this merchant's config) does not offer. */
export class PaymentModeUnsupported extends Error {
  constructor(
    readonly pluginId: string,
    readonly mode: string
  ) {
    super(`${pluginId}: payment mode ${mode} is not supported`)
    this.name = 'PaymentModeUnsupported'
  }
}

/** The modes a provider declares. */
export function paymentModes(provider: PaymentProvider): readonly PaymentMode[] {
  return provider.modes ?? ['native']
}

/**
 * Opens a payment in any mode the provider declares: `native` by
 * createQrPayment (unchanged), the others by createMobilePayment.
 */
export async function openPayment(
  pluginId: string,
  provider: PaymentProvider,
  request: MobilePaymentRequest
): Promise<MobilePaymentCreated> {
  if (!paymentModes(provider).includes(request.mode)) {
    throw new PaymentModeUnsupported(pluginId, request.mode)
  }
  if (request.mode === 'native') {
    const created = await provider.createQrPayment(request)
    return { mode: 'native', codeUrl: created.codeUrl, raw: created.raw }
  }
  if (!provider.createMobilePayment) throw new PaymentModeUnsupported(pluginId, request.mode)
  return provider.createMobilePayment(request)
}
