import { vine } from '#sdk/schema'
import { AlipayRequestError, AlipaySdk, type AlipaySdkCommonResult } from 'alipay-sdk'
import { canonicalBase64 } from '#sdk/base64'
import { definePlugin } from '#sdk/define_plugin'
import { PluginProviderError } from '#sdk/contracts/plugin'
import {
  PaymentModeUnsupported,
  PaymentWebhookRejected,
  type MobilePaymentCreated,
  type PaymentMerchant,
  type PaymentMode,
  type PaymentProvider,
  type PaymentQueryResult,
  type QrPaymentRequest,
  type RefundResult,
} from '#sdk/contracts/payment'
import { fenToYuan, fromBeijingTime, toBeijingTime, yuanToFen } from './amount.js'
import { parseTradeBill } from './bill.js'
import { privateKeyPem, publicKeyPem } from './keys.js'
import { readNotification } from './notification.js'

/*
| Alipay face-to-face QR payment (当面付 扫码支付, native), payment inside
| Alipay (alipay.trade.create with the buyer's id, jsapi) and mobile web
| payment (alipay.trade.wap.pay, h5) through the official SDK (alipay-sdk
| v4, openapi gateway, RSA2 with the public-key mode). Every
| answer of the gateway is checked against the Alipay public key before it
| is believed; notifications are checked the same way. See README.md.
*/

const ID = 'payment-alipay'
const DEFAULT_GATEWAY = 'https://openapi.alipay.com/gateway.do'
const TIMEOUT_MS = 10_000
const SUCCESS = '10000'
const TRADE_NOT_EXIST = 'ACQ.TRADE_NOT_EXIST'
const MODES: PaymentMode[] = ['native', 'jsapi', 'h5']
/** A buyer_id is the payer's 2088 user id; anything else is an openid-era buyer_open_id. */
const BUYER_ID = /^2088\d{12}$/

const rsaPrivateKey = vine.createRule((value, _, field) => {
  if (typeof value === 'string' && !privateKeyPem(value)) {
    field.report('{field} is not an RSA private key (PEM or base64)', 'rsaPrivateKey', field)
  }
})

const rsaPublicKey = vine.createRule((value, _, field) => {
  if (typeof value === 'string' && !publicKeyPem(value)) {
    field.report('{field} is not an RSA public key (PEM or base64)', 'rsaPublicKey', field)
  }
})

type AlipayAnswer = AlipaySdkCommonResult & Record<string, any>

function providerError(answer: AlipayAnswer) {
  return new PluginProviderError(
    ID,
    answer.sub_code ?? answer.code ?? 'Unknown',
    answer.sub_msg ?? answer.msg ?? 'no message',
    answer.traceId ?? null
  )
}

/** The fen of a yuan field Alipay must have sent; a malformed one stops the work. */
function fenOf(answer: AlipayAnswer, field: string) {
  const fen = typeof answer[field] === 'string' ? yuanToFen(answer[field]) : null
  if (fen === null) {
    throw new PluginProviderError(ID, 'MalformedAnswer', `${field} is not a yuan amount`)
  }
  return fen
}

export default definePlugin({
  id: ID,
  kind: 'payment',
  version: '1.0.0',
  config: vine.create({
    /** 开放平台 → 应用 → APPID (16 digits). */
    appId: vine
      .string()
      .trim()
      .regex(/^\d{16}$/),
    /** 应用私钥 (RSA2048), PKCS#1 or PKCS#8, PEM or the bare base64 of the key tool. */
    privateKey: vine.string().trim().minLength(1).use(rsaPrivateKey()),
    /** 支付宝公钥 (not the 应用公钥), PEM or bare base64. */
    alipayPublicKey: vine.string().trim().minLength(1).use(rsaPublicKey()),
    /** 商户 PID (2088 + 12 digits): when set, it is the merchant id notifications are held to. */
    sellerId: vine
      .string()
      .trim()
      .regex(/^2088\d{12}$/)
      .optional(),
    gateway: vine
      .string()
      .url({ require_tld: false, protocols: ['http', 'https'] })
      .optional(),
  }),
  secrets: ['privateKey'],
  // Alipay sends no notification for alipay.trade.refund: no `refund-notification`.
  capabilities: ['qr-payment', 'refund', 'bill'],
  create(config, { logger }): PaymentProvider {
    const sdk = new AlipaySdk({
      appId: config.appId,
      // The SDK re-wraps the key body itself; a trailing newline would end up inside it.
      privateKey: privateKeyPem(config.privateKey)!.trim(),
      keyType: 'PKCS8',
      alipayPublicKey: publicKeyPem(config.alipayPublicKey)!.trim(),
      gateway: config.gateway ?? DEFAULT_GATEWAY,
      timeout: TIMEOUT_MS,
      camelcase: false,
    })
    const merchant: PaymentMerchant = {
      merchantId: config.sellerId ?? config.appId,
      appId: config.appId,
    }

    /** One signed gateway call; the answer's signature is verified by the SDK. */
    async function call(
      method: string,
      bizContent: Record<string, unknown>,
      common: Record<string, string> = {}
    ): Promise<AlipayAnswer> {
      try {
        // The SDK stamps `timestamp` in the host's zone; Alipay reads it as Beijing time.
        return (await sdk.exec(
          method,
          { bizContent, timestamp: toBeijingTime(new Date()), ...common },
          { validateSign: true }
        )) as AlipayAnswer
      } catch (error) {
        if (error instanceof AlipayRequestError) {
          const code = error.message.includes('验签失败')
            ? 'InvalidResponseSignature'
            : error.message.startsWith('HttpClient Request error')
              ? 'Unreachable'
              : (error.code ?? 'GatewayError')
          throw new PluginProviderError(ID, code, error.message, error.traceId ?? null, {
            cause: error,
          })
        }
        // A missing or unusable response signature makes the SDK's verifier throw.
        throw new PluginProviderError(
          ID,
          'InvalidResponseSignature',
          (error as Error).message,
          null,
          { cause: error }
        )
      }
    }

    async function queryRefund(outTradeNo: string, outRefundNo: string): Promise<RefundResult> {
      const answer = await call('alipay.trade.fastpay.refund.query', {
        out_trade_no: outTradeNo,
        out_request_no: outRefundNo,
        query_options: ['gmt_refund_pay'],
      })
      if (answer.code !== SUCCESS && answer.sub_code !== TRADE_NOT_EXIST) {
        throw providerError(answer)
      }
      // Alipay: no refund_status means the refund was never received or did not succeed.
      return {
        outRefundNo,
        status: answer.refund_status === 'REFUND_SUCCESS' ? 'succeeded' : 'failed',
        providerRefundNo: null,
        raw: answer,
      }
    }

    /** The trade fields every way of opening takes alike. */
    function trade(request: QrPaymentRequest) {
      return {
        out_trade_no: request.outTradeNo,
        total_amount: fenToYuan(request.amount),
        subject: request.description,
        time_expire: toBeijingTime(request.expiresAt),
      }
    }

    async function createQrPayment(request: QrPaymentRequest) {
      const answer = await call('alipay.trade.precreate', trade(request), {
        notify_url: request.notifyUrl,
      })
      if (answer.code !== SUCCESS || typeof answer.qr_code !== 'string') {
        throw providerError(answer)
      }
      logger.info({ outTradeNo: request.outTradeNo }, 'payment-alipay: QR payment opened')
      return { codeUrl: answer.qr_code, raw: answer }
    }

    return {
      merchant,
      modes: MODES,
      createQrPayment,

      async createMobilePayment(request): Promise<MobilePaymentCreated> {
        if (!MODES.includes(request.mode)) throw new PaymentModeUnsupported(ID, request.mode)
        if (request.mode === 'native') {
          return { mode: 'native', ...(await createQrPayment(request)) }
        }
        if (request.mode === 'jsapi') {
          const buyer = BUYER_ID.test(request.payerId)
            ? { buyer_id: request.payerId }
            : { buyer_open_id: request.payerId }
          // A web page inside Alipay pays under the 当面付 contract (the default product code).
          const answer = await call(
            'alipay.trade.create',
            { ...trade(request), ...buyer },
            { notify_url: request.notifyUrl }
          )
          if (answer.code !== SUCCESS || typeof answer.trade_no !== 'string') {
            throw providerError(answer)
          }
          return { mode: 'jsapi', bridge: 'AlipayJSBridge', tradeNo: answer.trade_no, raw: answer }
        }
        // A page call: nothing is sent now; the payer's browser takes the signed URL to Alipay.
        const redirectUrl = sdk.pageExecute('alipay.trade.wap.pay', 'GET', {
          bizContent: {
            ...trade(request),
            product_code: 'QUICK_WAP_WAY',
            quit_url: request.returnUrl,
          },
          notify_url: request.notifyUrl,
          return_url: request.returnUrl,
          timestamp: toBeijingTime(new Date()),
        })
        return { mode: 'h5', redirectUrl, raw: { method: 'alipay.trade.wap.pay' } }
      },

      async query(outTradeNo): Promise<PaymentQueryResult> {
        const answer = await call('alipay.trade.query', { out_trade_no: outTradeNo })
        const result = {
          outTradeNo,
          amount: null,
          providerTradeNo: null,
          paidAt: null,
          merchant,
          raw: answer,
        }
        // A precreated trade exists at Alipay only once the payer has scanned it.
        if (answer.sub_code === TRADE_NOT_EXIST) return { ...result, status: 'not_found' }
        if (answer.code !== SUCCESS) throw providerError(answer)

        const paidAt = fromBeijingTime(answer.send_pay_date)
        const settled = {
          ...result,
          amount: fenOf(answer, 'total_amount'),
          providerTradeNo: answer.trade_no ?? null,
          paidAt,
        }
        switch (answer.trade_status) {
          case 'WAIT_BUYER_PAY':
            return { ...result, providerTradeNo: answer.trade_no ?? null, status: 'pending' }
          case 'TRADE_SUCCESS':
          case 'TRADE_FINISHED':
            return { ...settled, status: 'paid' }
          case 'TRADE_CLOSED':
            // A paid trade closes only when it is refunded in full; an unpaid one has no pay date.
            return paidAt ? { ...settled, status: 'refunded' } : { ...result, status: 'closed' }
          default:
            throw new PluginProviderError(
              ID,
              'UnknownTradeStatus',
              String(answer.trade_status),
              answer.traceId ?? null
            )
        }
      },

      async close(outTradeNo) {
        const answer = await call('alipay.trade.close', { out_trade_no: outTradeNo })
        if (answer.code === SUCCESS || answer.sub_code === TRADE_NOT_EXIST) return
        throw providerError(answer)
      },

      async refund(request) {
        const answer = await call('alipay.trade.refund', {
          out_trade_no: request.outTradeNo,
          refund_amount: fenToYuan(request.amount),
          out_request_no: request.outRefundNo,
          refund_reason: request.reason,
        })
        if (answer.code === SUCCESS) {
          logger.info(
            { outTradeNo: request.outTradeNo, outRefundNo: request.outRefundNo },
            'payment-alipay: refund answered'
          )
          // fund_change N also answers a retry of a refund already made: ask which it is.
          if (answer.fund_change !== 'Y') {
            return queryRefund(request.outTradeNo, request.outRefundNo)
          }
          return {
            outRefundNo: request.outRefundNo,
            status: 'succeeded',
            providerRefundNo: null,
            raw: answer,
          }
        }
        // A system error leaves the outcome open: retry with the same out_request_no.
        if (answer.code !== '40004' || answer.sub_code === 'ACQ.SYSTEM_ERROR') {
          throw providerError(answer)
        }
        return {
          outRefundNo: request.outRefundNo,
          status: 'failed',
          providerRefundNo: null,
          raw: answer,
        }
      },

      queryRefund,

      async parseWebhook({ rawBody }) {
        const reject = (problem: string) => new PaymentWebhookRejected(ID, problem)
        const pairs = [...new URLSearchParams(rawBody)]
        const params = Object.fromEntries(pairs)
        if (Object.keys(params).length !== pairs.length) throw reject('a field is sent twice')
        if (!params.sign) throw reject('no sign')
        if (!canonicalBase64(params.sign)) throw reject('the sign is not canonical base64')
        if (params.sign_type && params.sign_type !== 'RSA2') {
          throw reject(`sign_type ${params.sign_type} is not RSA2`)
        }
        if (!sdk.checkNotifySignV2(params)) throw reject('the signature does not verify')

        const notification = await readNotification(params)
        if (!notification) return null
        const status =
          notification.trade_status === 'TRADE_SUCCESS' ||
          notification.trade_status === 'TRADE_FINISHED'
            ? 'paid'
            : notification.trade_status === 'TRADE_CLOSED'
              ? 'closed'
              : null
        if (!status) return null
        return {
          kind: 'payment',
          outTradeNo: notification.out_trade_no,
          status,
          amount: notification.total_amount,
          providerTradeNo: notification.trade_no,
          paidAt: status === 'paid' ? (notification.gmt_payment ?? null) : null,
          // Without a configured PID the app is the merchant's identity (see README.md).
          merchant: {
            merchantId: (config.sellerId ? notification.seller_id : notification.app_id) ?? '',
            appId: notification.app_id,
          },
          raw: params,
        }
      },

      webhookReply(accepted) {
        // Alipay resends until the body is exactly `success`.
        return {
          status: accepted ? 200 : 400,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          body: accepted ? 'success' : 'failure',
        }
      },

      async downloadBill(date) {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new RangeError(`not a day: ${date}`)
        const answer = await call('alipay.data.dataservice.bill.downloadurl.query', {
          bill_type: 'trade',
          bill_date: date,
        })
        if (answer.code !== SUCCESS || typeof answer.bill_download_url !== 'string') {
          throw providerError(answer)
        }
        const response = await fetch(answer.bill_download_url, {
          signal: AbortSignal.timeout(TIMEOUT_MS),
        }).catch((error: Error) => {
          throw new PluginProviderError(ID, 'Unreachable', error.message, null, { cause: error })
        })
        if (!response.ok) {
          throw new PluginProviderError(ID, `HTTP${response.status}`, 'bill download failed')
        }
        return parseTradeBill(new Uint8Array(await response.arrayBuffer()))
      },
    }
  },
})
