import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto'
import { vine } from '#sdk/schema'
import { DateTime } from 'luxon'
import { definePlugin } from '#sdk/define_plugin'
import { PluginProviderError } from '#sdk/contracts/plugin'
import {
  PaymentModeUnsupported,
  PaymentWebhookRejected,
  type PaymentMerchant,
  type PaymentMode,
  type PaymentProvider,
  type MobilePaymentCreated,
  type PaymentQueryResult,
  type QrPaymentRequest,
  type RefundResult,
} from '#sdk/contracts/payment'
import { parseTradeBill } from './bill.js'
import { PLUGIN_ID, WechatpayClient } from './client.js'
import { readEnvelope, readResource, type TRADE_STATES } from './notification.js'
import { bridgeSignature, checkSignature, decryptResource, nonce, PlatformKeys } from './wire.js'

/*
| WeChat Pay API v3, Native (QR), JSAPI (inside WeChat) and H5 (mobile
| browsers, when the merchant has H5 支付 enabled) payments, for a directly
| connected merchant (直连商户). Requests are signed with the merchant API key; answers and
| notifications are verified with the 微信支付公钥 (or platform
| certificates, by serial). Tests point baseUrl at a local gateway.
*/

/** A PEM the given parser accepts (a key that does not parse is refused at config time). */
const pem = vine.createRule((value, parse: (text: string) => unknown, field) => {
  if (typeof value !== 'string') return
  try {
    parse(value)
  } catch {
    field.report('The {field} field must be a valid PEM', 'pem', field)
  }
})

const config = vine.create({
  appId: vine
    .string()
    .trim()
    .regex(/^wx[0-9A-Za-z]{16}$/),
  mchId: vine
    .string()
    .trim()
    .regex(/^\d{6,32}$/),
  merchantSerialNo: vine
    .string()
    .trim()
    .regex(/^[0-9A-Fa-f]{8,64}$/),
  merchantPrivateKey: vine.string().use(pem((text) => createPrivateKey(text))),
  apiV3Key: vine.string().fixedLength(32),
  platformPublicKeyId: vine
    .string()
    .trim()
    .regex(/^PUB_KEY_ID_[0-9A-Za-z]+$/)
    .optional()
    .requiredIfExists('platformPublicKey')
    .requiredIfMissing('platformCertificates'),
  platformPublicKey: vine
    .string()
    .use(pem((text) => createPublicKey(text)))
    .optional()
    .requiredIfExists('platformPublicKeyId'),
  /** Older merchants verify with platform certificates (平台证书): PEMs, found by their serial. */
  platformCertificates: vine
    .array(vine.string().use(pem((text) => new X509Certificate(text))))
    .minLength(1)
    .optional(),
  baseUrl: vine
    .string()
    .url({ require_tld: false, protocols: ['http', 'https'] })
    .optional(),
  /** H5 支付 must be applied for separately in the merchant platform: off unless set. */
  h5Enabled: vine.boolean().optional(),
})

type TradeState = (typeof TRADE_STATES)[number]

/** PAYERROR stays pending: the payer may still pay the order until it expires or is closed. */
const PAYMENT_STATUS: Record<TradeState, PaymentQueryResult['status']> = {
  SUCCESS: 'paid',
  REFUND: 'refunded',
  NOTPAY: 'pending',
  USERPAYING: 'pending',
  PAYERROR: 'pending',
  CLOSED: 'closed',
  REVOKED: 'closed',
}

/** ABNORMAL (the money could not reach the payer's account) needs the merchant platform: failed here. */
const REFUND_STATUS: Record<string, RefundResult['status']> = {
  SUCCESS: 'succeeded',
  PROCESSING: 'pending',
  CLOSED: 'failed',
  ABNORMAL: 'failed',
}

/** `2024-05-01T10:22:33+08:00` (RFC 3339, Beijing time) as WeChat Pay writes times. */
function rfc3339(date: Date) {
  return DateTime.fromJSDate(date).setZone('Asia/Shanghai').toFormat("yyyy-MM-dd'T'HH:mm:ssZZ")
}

function timeOrNull(value: unknown) {
  return typeof value === 'string' && value ? new Date(value) : null
}

function refundResult(body: Record<string, any>): RefundResult {
  return {
    outRefundNo: body.out_refund_no,
    status: REFUND_STATUS[body.status] ?? 'pending',
    providerRefundNo: body.refund_id ?? null,
    raw: body,
  }
}

export default definePlugin({
  id: PLUGIN_ID,
  kind: 'payment',
  version: '1.0.0',
  config,
  secrets: ['merchantPrivateKey', 'apiV3Key'],
  capabilities: ['qr-payment', 'refund', 'refund-notification', 'bill'],
  create(settings, { logger }): PaymentProvider {
    const platformKeys = new PlatformKeys(settings)
    const privateKey = createPrivateKey(settings.merchantPrivateKey)
    const client = new WechatpayClient({
      baseUrl: settings.baseUrl ?? 'https://api.mch.weixin.qq.com',
      mchId: settings.mchId,
      merchantSerialNo: settings.merchantSerialNo,
      privateKey,
      platformKeys,
      platformPublicKeyId: settings.platformPublicKeyId ?? null,
    })
    const merchant: PaymentMerchant = { merchantId: settings.mchId, appId: settings.appId }
    const mchid = encodeURIComponent(settings.mchId)
    const reject = (problem: string) => new PaymentWebhookRejected(PLUGIN_ID, problem)
    const modes: PaymentMode[] = settings.h5Enabled
      ? ['native', 'jsapi', 'h5']
      : ['native', 'jsapi']

    /** The order fields every transactions endpoint takes alike. */
    function order(request: QrPaymentRequest) {
      return {
        appid: settings.appId,
        mchid: settings.mchId,
        description: request.description,
        out_trade_no: request.outTradeNo,
        time_expire: rfc3339(request.expiresAt),
        notify_url: request.notifyUrl,
        amount: { total: request.amount, currency: 'CNY' },
      }
    }

    function answered(body: Record<string, any>, field: string): string {
      if (typeof body[field] !== 'string' || body[field] === '') {
        throw new PluginProviderError(PLUGIN_ID, 'NO_' + field.toUpperCase(), `no ${field}`)
      }
      return body[field]
    }

    async function createQrPayment(request: QrPaymentRequest) {
      const body = await client.expectOk('POST', '/v3/pay/transactions/native', order(request))
      return { codeUrl: answered(body, 'code_url'), raw: body }
    }

    return {
      merchant,
      modes,
      createQrPayment,

      async createMobilePayment(request): Promise<MobilePaymentCreated> {
        if (!modes.includes(request.mode)) throw new PaymentModeUnsupported(PLUGIN_ID, request.mode)
        if (request.mode === 'native') {
          return { mode: 'native', ...(await createQrPayment(request)) }
        }
        if (request.mode === 'jsapi') {
          const body = await client.expectOk('POST', '/v3/pay/transactions/jsapi', {
            ...order(request),
            payer: { openid: request.payerId },
          })
          const params = {
            appId: settings.appId,
            timeStamp: String(Math.floor(Date.now() / 1000)),
            nonceStr: nonce(),
            package: `prepay_id=${answered(body, 'prepay_id')}`,
          }
          return {
            mode: 'jsapi',
            bridge: 'WeixinJSBridge',
            params: { ...params, signType: 'RSA', paySign: bridgeSignature(params, privateKey) },
            raw: body,
          }
        }
        const body = await client.expectOk('POST', '/v3/pay/transactions/h5', {
          ...order(request),
          scene_info: { payer_client_ip: request.payerIp, h5_info: { type: 'Wap' } },
        })
        // WeChat sends the payer back to redirect_url, appended to h5_url, after paying.
        const url = `${answered(body, 'h5_url')}&redirect_url=${encodeURIComponent(request.returnUrl)}`
        return { mode: 'h5', redirectUrl: url, raw: body }
      },

      async query(outTradeNo) {
        const answer = await client.call(
          'GET',
          `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}?mchid=${mchid}`
        )
        if (answer.status === 404 && answer.signed && answer.body.code === 'ORDER_NOT_EXIST') {
          return {
            outTradeNo,
            status: 'not_found',
            amount: null,
            providerTradeNo: null,
            paidAt: null,
            merchant: null,
            raw: answer.body,
          }
        }
        if (answer.status !== 200) throw client.error(answer)
        const body = answer.body
        const status = PAYMENT_STATUS[body.trade_state as TradeState]
        if (!status) {
          throw new PluginProviderError(
            PLUGIN_ID,
            'UNKNOWN_TRADE_STATE',
            String(body.trade_state),
            answer.requestId
          )
        }
        const settled = status === 'paid' || status === 'refunded'
        return {
          outTradeNo: body.out_trade_no,
          status,
          amount: settled ? (body.amount?.total ?? null) : null,
          providerTradeNo: body.transaction_id ?? null,
          paidAt: timeOrNull(body.success_time),
          merchant: { merchantId: body.mchid, appId: body.appid ?? null },
          raw: body,
        }
      },

      async close(outTradeNo) {
        const answer = await client.call(
          'POST',
          `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}/close`,
          { mchid: settings.mchId }
        )
        // Already closed is what we wanted.
        if (answer.status === 204 || (answer.signed && answer.body.code === 'ORDER_CLOSED')) return
        throw client.error(answer)
      },

      async refund(request) {
        const body = await client.expectOk('POST', '/v3/refund/domestic/refunds', {
          out_trade_no: request.outTradeNo,
          out_refund_no: request.outRefundNo,
          reason: request.reason,
          notify_url: request.notifyUrl,
          amount: { refund: request.amount, total: request.total, currency: 'CNY' },
        })
        return refundResult(body)
      },

      async queryRefund(_outTradeNo, outRefundNo) {
        return refundResult(
          await client.expectOk(
            'GET',
            `/v3/refund/domestic/refunds/${encodeURIComponent(outRefundNo)}`
          )
        )
      },

      async parseWebhook({ headers, rawBody }) {
        const check = checkSignature(platformKeys, headers, rawBody)
        if (!check.ok) throw reject(check.problem)
        let body: unknown
        try {
          body = JSON.parse(rawBody)
        } catch {
          throw reject('the notification is not JSON')
        }
        const notification = await readEnvelope(body)
        let resource: unknown
        try {
          resource = JSON.parse(decryptResource(settings.apiV3Key, notification.resource))
        } catch (error) {
          throw reject(`cannot read the notification: ${(error as Error).message}`)
        }
        const event = notification.event_type
        const documented = await readResource(event, resource)
        if (!documented) {
          logger.info({ event }, 'payment-wechatpay: notification not acted on')
          return null
        }
        const raw = resource as Record<string, unknown>
        if (documented.kind === 'payment') {
          const paid = documented.fields
          return {
            kind: 'payment',
            outTradeNo: paid.out_trade_no,
            status: 'paid',
            amount: paid.amount.total,
            providerTradeNo: paid.transaction_id,
            paidAt: new Date(paid.success_time),
            merchant: { merchantId: paid.mchid, appId: paid.appid },
            raw,
          }
        }
        const refunded = documented.fields
        return {
          kind: 'refund',
          outTradeNo: refunded.out_trade_no,
          outRefundNo: refunded.out_refund_no,
          status: refunded.refund_status === 'SUCCESS' ? 'succeeded' : 'failed',
          amount: refunded.amount.refund,
          providerRefundNo: refunded.refund_id,
          // Refund notifications name the merchant id only.
          merchant: { merchantId: refunded.mchid, appId: null },
          raw,
        }
      },

      webhookReply(accepted, message) {
        if (accepted) return { status: 204, body: '' }
        return {
          status: 400,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code: 'FAIL', message: message ?? '失败' }),
        }
      },

      async downloadBill(date) {
        const answer = await client.call(
          'GET',
          `/v3/bill/tradebill?bill_date=${encodeURIComponent(date)}&bill_type=ALL`
        )
        // WeChat Pay has no bill for a day without trades.
        if (answer.signed && answer.body.code === 'NO_STATEMENT_EXIST') return []
        if (answer.status !== 200) throw client.error(answer)
        const { download_url: url, hash_type: hashType, hash_value: hashValue } = answer.body
        return parseTradeBill(await client.download(url, hashType, hashValue))
      },
    }
  },
})
