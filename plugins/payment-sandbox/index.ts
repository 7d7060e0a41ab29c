import { vine } from '#sdk/schema'
import { definePlugin } from '#sdk/define_plugin'
import { PluginProviderError } from '#sdk/contracts/plugin'
import {
  PaymentModeUnsupported,
  PaymentWebhookRejected,
  type MobilePaymentCreated,
  type MobilePaymentRequest,
  type PaymentMode,
  type PaymentProvider,
  type PaymentQueryResult,
  type RefundResult,
} from '#sdk/contracts/payment'
import { sandboxGateway } from './gateway.js'
import { readNotification } from './notification.js'
import { sign, signatureProblem } from './signature.js'

/*
| The default payment provider of the demo and the tests: the sandbox
| gateway served by this plugin at /plugins/payment-sandbox (gateway.ts).
| It speaks to it over HTTP with signed requests and checks its signed
| notifications, exactly as the real providers' plugins do with theirs.
*/

const ID = 'payment-sandbox'
/** Every mode, so `npm run dev` shows each flow; the payer page stands for the provider's. */
const MODES: PaymentMode[] = ['native', 'jsapi', 'h5']

const config = vine.create({
  merchantId: vine.string().regex(/^[A-Za-z0-9_-]{4,32}$/),
  signingKey: vine.string().minLength(16).maxLength(128),
  /** Another PileHub's sandbox, or this one's when left out. */
  gatewayUrl: vine.string().url({ require_tld: false }).optional(),
  notifyDuplicates: vine.number().withoutDecimals().range([0, 20]).optional(),
  notifyDelayMs: vine.number().withoutDecimals().range([0, 600_000]).optional(),
  dropNotifications: vine.boolean().optional(),
})

type SandboxConfig = Awaited<ReturnType<typeof config.validate>>

function provider(settings: SandboxConfig, publicUrl: string): PaymentProvider {
  const base = (settings.gatewayUrl ?? `${publicUrl}/plugins/${ID}`).replace(/\/+$/, '')
  const merchant = { merchantId: settings.merchantId, appId: null }

  async function call(method: 'GET' | 'POST', path: string, body?: unknown) {
    const raw = body === undefined ? '' : JSON.stringify(body)
    const response = await fetch(`${base}/api${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        'x-sandbox-merchant': settings.merchantId,
        ...sign(settings.signingKey, raw),
      },
      body: method === 'POST' ? raw : undefined,
      signal: AbortSignal.timeout(10_000),
    }).catch((error: Error) => {
      throw new PluginProviderError(ID, 'NETWORK', error.message, null, { cause: error })
    })
    const answer = (await response.json().catch(() => ({}))) as Record<string, any>
    return { status: response.status, answer }
  }

  function failure(answer: Record<string, any>, status: number) {
    return new PluginProviderError(ID, answer.code ?? `HTTP_${status}`, answer.message ?? 'refused')
  }

  function refundResult(answer: Record<string, any>): RefundResult {
    return {
      outRefundNo: answer.out_refund_no,
      status: answer.status === 'succeeded' ? 'succeeded' : 'pending',
      providerRefundNo: answer.refund_id ?? null,
      raw: answer,
    }
  }

  /** Opens a trade at the gateway; the answer's page is where the payer pays, in any mode. */
  async function open(request: MobilePaymentRequest) {
    const { status, answer } = await call('POST', '/orders', {
      merchant_key: settings.signingKey,
      out_trade_no: request.outTradeNo,
      amount: request.amount,
      description: request.description,
      notify_url: request.notifyUrl,
      expires_at: request.expiresAt.toISOString(),
      mode: request.mode,
      ...(request.mode === 'jsapi' ? { payer_id: request.payerId } : {}),
      ...(request.mode === 'h5'
        ? { payer_ip: request.payerIp, return_url: request.returnUrl }
        : {}),
      notify: {
        duplicates: settings.notifyDuplicates ?? 0,
        delay_ms: settings.notifyDelayMs ?? 0,
        drop: settings.dropNotifications ?? false,
      },
    })
    if (status !== 200) throw failure(answer, status)
    return { url: `${base}${answer.code_path}`, raw: answer }
  }

  return {
    merchant,
    modes: MODES,

    async createQrPayment(request) {
      const { url, raw } = await open({ ...request, mode: 'native' })
      return { codeUrl: url, raw }
    },

    async createMobilePayment(request): Promise<MobilePaymentCreated> {
      if (!MODES.includes(request.mode)) throw new PaymentModeUnsupported(ID, request.mode)
      const { url, raw } = await open(request)
      if (request.mode === 'native') return { mode: 'native', codeUrl: url, raw }
      if (request.mode === 'jsapi') return { mode: 'jsapi', bridge: 'sandbox', payUrl: url, raw }
      return { mode: 'h5', redirectUrl: url, raw }
    },

    async query(outTradeNo): Promise<PaymentQueryResult> {
      const { status, answer } = await call('GET', `/orders/${encodeURIComponent(outTradeNo)}`)
      if (status === 404) {
        return {
          outTradeNo,
          status: 'not_found',
          amount: null,
          providerTradeNo: null,
          paidAt: null,
          merchant: null,
          raw: answer,
        }
      }
      if (status !== 200) throw failure(answer, status)
      return {
        outTradeNo,
        status: answer.status,
        amount: answer.amount,
        providerTradeNo: answer.trade_no,
        paidAt: answer.paid_at ? new Date(answer.paid_at) : null,
        merchant: { merchantId: answer.merchant_id, appId: null },
        raw: answer,
      }
    },

    async close(outTradeNo) {
      const { status, answer } = await call(
        'POST',
        `/orders/${encodeURIComponent(outTradeNo)}/close`
      )
      if (status !== 200 && status !== 404) throw failure(answer, status)
    },

    async refund(request) {
      const { status, answer } = await call('POST', '/refunds', {
        out_trade_no: request.outTradeNo,
        out_refund_no: request.outRefundNo,
        amount: request.amount,
        notify_url: request.notifyUrl,
      })
      if (status !== 200) throw failure(answer, status)
      return refundResult(answer)
    },

    async queryRefund(_outTradeNo, outRefundNo) {
      const { status, answer } = await call('GET', `/refunds/${encodeURIComponent(outRefundNo)}`)
      if (status !== 200) throw failure(answer, status)
      return refundResult(answer)
    },

    async parseWebhook({ headers, rawBody }) {
      const problem = signatureProblem(settings.signingKey, headers, rawBody)
      if (problem) throw new PaymentWebhookRejected(ID, problem)
      let body: unknown
      try {
        body = JSON.parse(rawBody)
      } catch {
        throw new PaymentWebhookRejected(ID, 'body is not JSON')
      }
      const notification = await readNotification(body)
      if (!notification) return null
      const raw = body as Record<string, unknown>
      const notified = { merchantId: notification.merchant_id, appId: null }
      if (notification.event === 'payment.paid') {
        return {
          kind: 'payment',
          outTradeNo: notification.out_trade_no,
          status: 'paid',
          amount: notification.amount,
          providerTradeNo: notification.trade_no,
          paidAt: new Date(notification.paid_at),
          merchant: notified,
          raw,
        }
      }
      return {
        kind: 'refund',
        outTradeNo: notification.out_trade_no,
        outRefundNo: notification.out_refund_no,
        status: 'succeeded',
        amount: notification.amount,
        providerRefundNo: notification.refund_id,
        merchant: notified,
        raw,
      }
    },

    webhookReply(accepted, message) {
      return accepted
        ? { status: 204, body: '' }
        : {
            status: 400,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ code: 'FAIL', message: message ?? 'refused' }),
          }
    },

    async downloadBill(date) {
      const { status, answer } = await call('GET', `/bills/${encodeURIComponent(date)}`)
      if (status !== 200) throw failure(answer, status)
      return (answer.rows as any[]).map((row) => ({
        kind: row.type,
        outTradeNo: row.out_trade_no,
        outRefundNo: row.out_refund_no,
        providerTradeNo: row.trade_no,
        amount: row.amount,
        occurredAt: new Date(row.time),
      }))
    },
  }
}

export default definePlugin({
  id: ID,
  kind: 'payment',
  version: '1.0.0',
  config,
  secrets: ['signingKey'],
  // payer-page-link: staff may open the payer page on their own screen (there is no phone).
  capabilities: ['qr-payment', 'refund', 'refund-notification', 'bill', 'payer-page-link'],
  developmentOnly: true,
  http: (request) => sandboxGateway.handle(request),
  create: (settings, { publicUrl }) => provider(settings, publicUrl),
})
