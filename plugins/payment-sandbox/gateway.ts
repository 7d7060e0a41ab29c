import { randomBytes } from 'node:crypto'
import { DateTime } from 'luxon'
import type { PluginHttpRequest, PluginHttpResponse } from '#sdk/contracts/plugin'
import { sign, signatureProblem } from './signature.js'
import { payerPage, resultPage } from './payer_page.js'

/*
| A payment gateway in miniature, for the demo and the tests: it keeps
| trades in this process's memory, shows the payer a page with 支付 / 取消,
| and notifies the merchant with signed requests, retrying when the answer
| is not 2xx. Its merchant config can ask for duplicated, delayed or
| dropped notifications, the faults real gateways have.
*/

export interface NotifyBehaviour {
  /** Extra copies of each notification. */
  duplicates: number
  delayMs: number
  /** Lose every notification (the merchant must query). */
  drop: boolean
}

export interface PayOptions {
  notify?: boolean
  deliver?: boolean
  forgeSignature?: boolean
  amount?: number
  merchantId?: string
}

export interface SentNotification {
  url: string
  headers: Record<string, string>
  rawBody: string
}

interface Refund {
  outRefundNo: string
  refundId: string
  amount: number
  status: 'processing' | 'succeeded'
  notifyUrl: string
  createdAt: Date
  settledAt: Date | null
}

interface Trade {
  merchantId: string
  key: string
  outTradeNo: string
  tradeNo: string | null
  amount: number
  description: string
  notifyUrl: string
  expiresAt: Date
  status: 'pending' | 'paid' | 'closed'
  paidAt: Date | null
  /** How the payer pays: the page is the same, as the notifications are. */
  mode: 'native' | 'jsapi' | 'h5'
  /** jsapi: the payer the order was made for. */
  payerId: string | null
  /** h5: where the payer goes back to after paying. */
  returnUrl: string | null
  notify: NotifyBehaviour
  refunds: Map<string, Refund>
}

const RETRY_DELAYS_MS = [1000, 5000, 15000]
const FORGED_KEY = 'not-the-merchant-key-at-all'

function json(status: number, body: unknown): PluginHttpResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
}

function html(status: number, body: string): PluginHttpResponse {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, body }
}

function reference(prefix: string) {
  return `${prefix}${DateTime.now().setZone('Asia/Shanghai').toFormat('yyyyMMddHHmmss')}${randomBytes(4).toString('hex')}`
}

export class SandboxGateway {
  #trades = new Map<string, Trade>()
  #keys = new Map<string, string>()

  async handle(request: PluginHttpRequest): Promise<PluginHttpResponse> {
    const parts = request.path.split('/').filter(Boolean).map(decodeURIComponent)
    if (parts[0] === 'pay' && parts.length === 3) {
      return this.#payerRequest(request, parts[1], parts[2])
    }
    if (parts[0] !== 'api') return json(404, { code: 'NOT_FOUND' })

    const merchantId = request.headers['x-sandbox-merchant'] ?? ''
    let body: Record<string, any> = {}
    try {
      body = request.rawBody ? JSON.parse(request.rawBody) : {}
    } catch {
      return json(400, { code: 'PARAM_ERROR', message: 'body is not JSON' })
    }
    // Onboarding shortcut: a real gateway knows the key before; the sandbox learns it on the first order.
    if (request.method === 'POST' && parts[1] === 'orders' && parts.length === 2) {
      if (typeof body.merchant_key === 'string' && !this.#keys.has(merchantId)) {
        this.#keys.set(merchantId, body.merchant_key)
      }
    }
    const key = this.#keys.get(merchantId)
    const problem = key
      ? signatureProblem(key, request.headers, request.rawBody)
      : 'unknown merchant'
    if (problem) return json(401, { code: 'SIGN_ERROR', message: problem })

    const [, resource, id, action] = parts
    switch ([request.method, resource, id && ':id', action].filter(Boolean).join(' ')) {
      case 'POST orders':
        return this.#createOrder(merchantId, key!, body)
      case 'GET orders :id':
        return this.#orderState(merchantId, id)
      case 'POST orders :id close':
        return this.#closeOrder(merchantId, id)
      case 'POST refunds':
        return this.#createRefund(merchantId, body)
      case 'GET refunds :id':
        return this.#refundState(merchantId, id)
      case 'GET bills :id':
        return this.#bill(merchantId, id)
      default:
        return json(404, { code: 'NOT_FOUND' })
    }
  }

  /** The payer pays (or the test does, for them). */
  async pay(
    merchantId: string,
    outTradeNo: string,
    options: PayOptions = {}
  ): Promise<SentNotification | null> {
    const trade = this.#trades.get(`${merchantId}:${outTradeNo}`)
    if (!trade) throw new Error(`sandbox: no trade ${outTradeNo}`)
    if (trade.status === 'pending') {
      if (trade.expiresAt.getTime() < Date.now()) {
        throw new Error(`sandbox: trade ${outTradeNo} expired`)
      }
      trade.status = 'paid'
      trade.paidAt = new Date()
      trade.tradeNo = reference('SBX')
    }
    if (options.notify === false || trade.notify.drop) return null
    const body = JSON.stringify({
      event: 'payment.paid',
      out_trade_no: trade.outTradeNo,
      trade_no: trade.tradeNo,
      amount: options.amount ?? trade.amount,
      merchant_id: options.merchantId ?? trade.merchantId,
      paid_at: trade.paidAt!.toISOString(),
    })
    return this.#notify(trade, trade.notifyUrl, body, {
      forge: options.forgeSignature ?? false,
      deliver: options.deliver ?? true,
    })
  }

  cancel(merchantId: string, outTradeNo: string) {
    const trade = this.#trades.get(`${merchantId}:${outTradeNo}`)
    if (trade?.status === 'pending') trade.status = 'closed'
  }

  /** Finishes a processing refund and notifies it. */
  async settleRefund(
    outRefundNo: string,
    options: { notify?: boolean } = {}
  ): Promise<SentNotification | null> {
    for (const trade of this.#trades.values()) {
      const refund = trade.refunds.get(outRefundNo)
      if (!refund) continue
      if (refund.status === 'processing') {
        refund.status = 'succeeded'
        refund.settledAt = new Date()
      }
      if (options.notify === false || trade.notify.drop) return null
      const body = JSON.stringify({
        event: 'refund.succeeded',
        out_trade_no: trade.outTradeNo,
        out_refund_no: refund.outRefundNo,
        refund_id: refund.refundId,
        amount: refund.amount,
        merchant_id: trade.merchantId,
      })
      return this.#notify(trade, refund.notifyUrl, body, { forge: false, deliver: true })
    }
    throw new Error(`sandbox: no refund ${outRefundNo}`)
  }

  async #notify(
    trade: Trade,
    url: string,
    body: string,
    options: { forge: boolean; deliver: boolean }
  ) {
    const headers = {
      'content-type': 'application/json',
      ...sign(options.forge ? FORGED_KEY : trade.key, body),
    }
    const sent = { url, headers, rawBody: body }
    if (!options.deliver) return sent
    const deliver = (attempt: number): Promise<void> =>
      fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(5000) })
        .then((response) => response.ok)
        .catch(() => false)
        .then((ok) => {
          if (ok || attempt >= RETRY_DELAYS_MS.length) return
          setTimeout(() => void deliver(attempt + 1), RETRY_DELAYS_MS[attempt]).unref()
        })
    const copies = 1 + trade.notify.duplicates
    if (trade.notify.delayMs > 0) {
      for (let copy = 0; copy < copies; copy++) {
        setTimeout(() => void deliver(0), trade.notify.delayMs).unref()
      }
      return sent
    }
    await deliver(0)
    for (let copy = 1; copy < copies; copy++) void deliver(0)
    return sent
  }

  #createOrder(merchantId: string, key: string, body: Record<string, any>) {
    const { out_trade_no: outTradeNo, amount, description, notify_url: notifyUrl } = body
    const mode = body.mode ?? 'native'
    if (
      typeof outTradeNo !== 'string' ||
      !Number.isSafeInteger(amount) ||
      amount <= 0 ||
      typeof notifyUrl !== 'string' ||
      typeof body.expires_at !== 'string' ||
      !['native', 'jsapi', 'h5'].includes(mode)
    ) {
      return json(400, {
        code: 'PARAM_ERROR',
        message: 'out_trade_no, amount, notify_url, expires_at, mode',
      })
    }
    if (mode === 'jsapi' && (typeof body.payer_id !== 'string' || !body.payer_id)) {
      return json(400, { code: 'PARAM_ERROR', message: 'payer_id' })
    }
    if (
      mode === 'h5' &&
      (typeof body.payer_ip !== 'string' ||
        !body.payer_ip ||
        typeof body.return_url !== 'string' ||
        !/^https?:\/\//.test(body.return_url))
    ) {
      return json(400, { code: 'PARAM_ERROR', message: 'payer_ip, return_url' })
    }
    const id = `${merchantId}:${outTradeNo}`
    const existing = this.#trades.get(id)
    if (existing && (existing.amount !== amount || existing.mode !== mode)) {
      return json(400, { code: 'OUT_TRADE_NO_USED', message: 'out_trade_no reused' })
    }
    if (!existing) {
      this.#trades.set(id, {
        merchantId,
        key,
        outTradeNo,
        tradeNo: null,
        amount,
        description: String(description ?? ''),
        notifyUrl,
        expiresAt: new Date(body.expires_at),
        status: 'pending',
        paidAt: null,
        mode,
        payerId: mode === 'jsapi' ? body.payer_id : null,
        returnUrl: mode === 'h5' ? body.return_url : null,
        notify: {
          duplicates: Number(body.notify?.duplicates ?? 0),
          delayMs: Number(body.notify?.delay_ms ?? 0),
          drop: body.notify?.drop === true,
        },
        refunds: new Map(),
      })
    }
    return json(200, {
      code_path: `/pay/${encodeURIComponent(merchantId)}/${encodeURIComponent(outTradeNo)}`,
    })
  }

  #orderState(merchantId: string, outTradeNo: string) {
    const trade = this.#trades.get(`${merchantId}:${outTradeNo}`)
    if (!trade) return json(404, { code: 'ORDER_NOT_EXIST' })
    if (trade.status === 'pending' && trade.expiresAt.getTime() < Date.now())
      trade.status = 'closed'
    return json(200, {
      out_trade_no: trade.outTradeNo,
      status: trade.status,
      amount: trade.status === 'paid' ? trade.amount : null,
      trade_no: trade.tradeNo,
      paid_at: trade.paidAt?.toISOString() ?? null,
      merchant_id: trade.merchantId,
    })
  }

  #closeOrder(merchantId: string, outTradeNo: string) {
    const trade = this.#trades.get(`${merchantId}:${outTradeNo}`)
    if (!trade) return json(404, { code: 'ORDER_NOT_EXIST' })
    if (trade.status === 'paid') return json(400, { code: 'ORDER_PAID' })
    trade.status = 'closed'
    return json(200, { status: 'closed' })
  }

  #createRefund(merchantId: string, body: Record<string, any>) {
    const trade = this.#trades.get(`${merchantId}:${body.out_trade_no}`)
    if (!trade || trade.status !== 'paid') return json(400, { code: 'TRADE_NOT_PAID' })
    const existing = trade.refunds.get(body.out_refund_no)
    if (existing) return json(200, this.#refundBody(trade, existing))
    const refunded = [...trade.refunds.values()].reduce((sum, refund) => sum + refund.amount, 0)
    if (
      !Number.isSafeInteger(body.amount) ||
      body.amount <= 0 ||
      refunded + body.amount > trade.amount
    ) {
      return json(400, { code: 'REFUND_AMOUNT_INVALID', message: 'above what is left' })
    }
    const refund: Refund = {
      outRefundNo: String(body.out_refund_no),
      refundId: reference('SBR'),
      amount: body.amount,
      status: 'processing',
      notifyUrl: String(body.notify_url),
      createdAt: new Date(),
      settledAt: null,
    }
    trade.refunds.set(refund.outRefundNo, refund)
    // A real gateway takes seconds to settle a refund; the sandbox a moment.
    setTimeout(() => void this.settleRefund(refund.outRefundNo).catch(() => {}), 200).unref()
    return json(200, this.#refundBody(trade, refund))
  }

  #refundState(merchantId: string, outRefundNo: string) {
    for (const trade of this.#trades.values()) {
      const refund = trade.merchantId === merchantId ? trade.refunds.get(outRefundNo) : undefined
      if (refund) return json(200, this.#refundBody(trade, refund))
    }
    return json(404, { code: 'RESOURCE_NOT_EXISTS' })
  }

  #refundBody(trade: Trade, refund: Refund) {
    return {
      out_trade_no: trade.outTradeNo,
      out_refund_no: refund.outRefundNo,
      refund_id: refund.refundId,
      amount: refund.amount,
      status: refund.status,
    }
  }

  #bill(merchantId: string, date: string) {
    const onDate = (moment: Date | null) =>
      moment !== null && DateTime.fromJSDate(moment).setZone('Asia/Shanghai').toISODate() === date
    const rows = []
    for (const trade of this.#trades.values()) {
      if (trade.merchantId !== merchantId) continue
      if (onDate(trade.paidAt)) {
        rows.push({
          type: 'payment',
          out_trade_no: trade.outTradeNo,
          out_refund_no: null,
          trade_no: trade.tradeNo,
          amount: trade.amount,
          time: trade.paidAt!.toISOString(),
        })
      }
      for (const refund of trade.refunds.values()) {
        if (refund.status !== 'succeeded' || !onDate(refund.settledAt)) continue
        rows.push({
          type: 'refund',
          out_trade_no: trade.outTradeNo,
          out_refund_no: refund.outRefundNo,
          trade_no: trade.tradeNo,
          amount: refund.amount,
          time: refund.settledAt!.toISOString(),
        })
      }
    }
    return json(200, { rows })
  }

  async #payerRequest(request: PluginHttpRequest, merchantId: string, outTradeNo: string) {
    const trade = this.#trades.get(`${merchantId}:${outTradeNo}`)
    if (!trade) return html(404, resultPage('notFound'))
    if (request.method === 'GET') {
      return html(
        200,
        payerPage({
          amount: trade.amount,
          description: trade.description,
          status: trade.status,
          expired: trade.expiresAt.getTime() < Date.now(),
        })
      )
    }
    const action = new URLSearchParams(request.rawBody).get('action')
    if (action === 'cancel') {
      this.cancel(merchantId, outTradeNo)
      return html(200, resultPage('cancelled'))
    }
    if (action !== 'pay') return html(400, resultPage('notFound'))
    if (trade.status !== 'pending' || trade.expiresAt.getTime() < Date.now()) {
      return html(409, resultPage('unavailable'))
    }
    await this.pay(merchantId, outTradeNo)
    return html(200, resultPage('paid', trade.returnUrl))
  }
}

/** The gateway of this process: the plugin's endpoints and the tests share it. */
export const sandboxGateway = new SandboxGateway()
