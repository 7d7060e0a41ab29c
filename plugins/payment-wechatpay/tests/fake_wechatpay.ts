import {
  createCipheriv,
  createHash,
  generateKeyPairSync,
  randomBytes,
  randomInt,
  randomUUID,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type {
  PaymentGatewayHarness,
  PayOptions,
  SentNotification,
} from '#sdk/testing/payment_contract'

/*
| A local stand-in for api.mch.weixin.qq.com (unreachable from tests),
| speaking API v3 as documented: it checks each request's Authorization
| signature with the merchant's public key (401 SIGN_ERROR, unsigned,
| otherwise), signs every other JSON answer with its own 微信支付 private
| key, keeps orders and refunds in memory, and posts notifications
| encrypted with AEAD_AES_256_GCM under the APIv3 key. The crypto here is
| written apart from the plugin's on purpose, from the same public rules.
*/

const MCH_ID = '1900009191'
const APP_ID = 'wxd678efh567hg6787'
const SIGNATURE_TYPE = 'WECHATPAY2-SHA256-RSA2048'

interface Order {
  appid: string
  mchid: string
  description: string
  outTradeNo: string
  total: number
  notifyUrl: string
  timeExpire: string
  tradeType: 'NATIVE' | 'JSAPI' | 'MWEB'
  /** NATIVE: code_url; JSAPI and MWEB: the prepay_id. */
  codeUrl: string
  /** JSAPI: the payer named at ordering. */
  openid: string | null
  state: 'NOTPAY' | 'SUCCESS' | 'REFUND' | 'CLOSED'
  transactionId: string | null
  successTime: Date | null
}

interface Refund {
  outRefundNo: string
  outTradeNo: string
  refundId: string
  refund: number
  total: number
  reason: string
  notifyUrl: string | null
  status: 'PROCESSING' | 'SUCCESS'
  createTime: Date
  successTime: Date | null
}

export interface NotificationOptions {
  /** Sign with this key instead of the platform's. */
  key?: KeyObject
  /** Unix seconds for Wechatpay-Timestamp (default now). */
  timestamp?: number
  /** Wechatpay-Serial to send (default the 微信支付公钥 id). */
  serial?: string
  /** Flip a bit of the GCM tag after encrypting (the signature stays valid). */
  tamperTag?: boolean
}

export interface FakeWechatpay extends PaymentGatewayHarness {
  url: string
  /** A signed, encrypted notification as WeChat Pay would post it, not sent. */
  notification(
    eventType: string,
    resource: Record<string, unknown>,
    options?: NotificationOptions
  ): SentNotification
  /** The JSAPI orders placed for a payer (openid), as that payer's WeChat client knows them. */
  jsapiOrdersOf(openid: string): { outTradeNo: string; prepayId: string; total: number }[]
  /** The next signed answer's body is changed after signing. */
  tamperNextAnswer(): void
  /** The next bill answer announces a wrong SHA1. */
  corruptNextBillHash(): void
}

function rsaKeys() {
  return generateKeyPairSync('rsa', { modulusLength: 2048 })
}

function pem(key: KeyObject) {
  return key.export({ type: key.type === 'private' ? 'pkcs8' : 'spki', format: 'pem' }).toString()
}

/** Beijing wall time, `2024-05-01T10:22:33+08:00`. */
function beijing(date: Date) {
  return new Date(date.getTime() + 8 * 3600_000).toISOString().slice(0, 19) + '+08:00'
}

function yuan(fen: number) {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`
}

function alnum(length: number) {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  return Array.from({ length }, () => chars[randomInt(chars.length)]).join('')
}

const BILL_HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,' +
  '交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,' +
  '充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注'

export async function startFakeWechatpay(): Promise<FakeWechatpay> {
  const merchant = rsaKeys()
  const platform = rsaKeys()
  const forger = rsaKeys()
  const merchantSerialNo = randomBytes(20).toString('hex').toUpperCase()
  const publicKeyId = `PUB_KEY_ID_01${String(randomInt(1e9)).padStart(30, '0')}`
  const apiV3Key = alnum(32)
  const orders = new Map<string, Order>()
  const refunds = new Map<string, Refund>()
  const bills = new Map<string, Buffer>()
  const nonces = new Set<string>()
  let tamperNext = false
  let corruptHash = false
  let baseUrl = ''

  function signatureHeaders(body: string, key: KeyObject, timestamp: number, serial = publicKeyId) {
    const nonce = alnum(32)
    const signature = sign('sha256', Buffer.from(`${timestamp}\n${nonce}\n${body}\n`), key)
    return {
      'wechatpay-nonce': nonce,
      'wechatpay-signature': signature.toString('base64'),
      'wechatpay-timestamp': String(timestamp),
      'wechatpay-serial': serial,
      'wechatpay-signature-type': SIGNATURE_TYPE,
    }
  }

  function answer(response: ServerResponse, status: number, payload?: unknown) {
    const body = payload === undefined ? '' : JSON.stringify(payload)
    const headers = signatureHeaders(body, platform.privateKey, Math.floor(Date.now() / 1000))
    const sent = tamperNext ? body.replace(/"(\w)/, '"x$1') : body
    tamperNext = false
    response.writeHead(status, {
      ...headers,
      'request-id': randomUUID(),
      ...(payload === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    })
    response.end(sent)
  }

  const fail = (response: ServerResponse, status: number, code: string, message: string) =>
    answer(response, status, { code, message })

  /** The merchant's Authorization header, checked as WeChat Pay documents it. */
  function authorized(request: IncomingMessage, body: string) {
    const header = request.headers.authorization ?? ''
    if (!header.startsWith(`${SIGNATURE_TYPE} `)) return false
    const params = Object.fromEntries(
      [...header.slice(SIGNATURE_TYPE.length + 1).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [
        m[1],
        m[2],
      ])
    )
    const { mchid, nonce_str: nonce, signature, timestamp, serial_no: serial } = params
    if (mchid !== MCH_ID || serial !== merchantSerialNo || !nonce || !signature) return false
    if (!(Math.abs(Date.now() / 1000 - Number(timestamp)) <= 300)) return false
    if (nonces.has(nonce)) return false
    const message = `${request.method}\n${request.url}\n${timestamp}\n${nonce}\n${body}\n`
    if (
      !verify('sha256', Buffer.from(message), merchant.publicKey, Buffer.from(signature, 'base64'))
    ) {
      return false
    }
    nonces.add(nonce)
    return true
  }

  function transaction(order: Order, overrides: PayOptions = {}) {
    const paid = order.state === 'SUCCESS' || order.state === 'REFUND'
    return {
      appid: order.appid,
      mchid: overrides.merchantId ?? order.mchid,
      out_trade_no: order.outTradeNo,
      trade_type: order.tradeType,
      trade_state: order.state,
      trade_state_desc: paid ? '支付成功' : order.state === 'CLOSED' ? '订单已关闭' : '订单未支付',
      attach: '',
      ...(paid
        ? {
            transaction_id: order.transactionId,
            bank_type: 'OTHERS',
            success_time: beijing(order.successTime!),
            payer: { openid: order.openid ?? 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
            amount: {
              total: overrides.amount ?? order.total,
              payer_total: overrides.amount ?? order.total,
              currency: 'CNY',
              payer_currency: 'CNY',
            },
          }
        : { amount: { payer_currency: 'CNY' } }),
    }
  }

  function refundBody(refund: Refund) {
    const order = orders.get(refund.outTradeNo)!
    return {
      refund_id: refund.refundId,
      out_refund_no: refund.outRefundNo,
      transaction_id: order.transactionId,
      out_trade_no: refund.outTradeNo,
      channel: 'ORIGINAL',
      user_received_account: '支付用户零钱',
      create_time: beijing(refund.createTime),
      ...(refund.successTime ? { success_time: beijing(refund.successTime) } : {}),
      status: refund.status,
      funds_account: 'AVAILABLE',
      amount: {
        total: refund.total,
        refund: refund.refund,
        payer_total: refund.total,
        payer_refund: refund.refund,
        settlement_total: refund.total,
        settlement_refund: refund.refund,
        discount_refund: 0,
        currency: 'CNY',
      },
    }
  }

  function tradeBill(date: string) {
    const line = (values: string[]) => values.map((value) => `\`${value}`).join(',')
    const rows: string[] = []
    for (const order of orders.values()) {
      if (!order.successTime || beijing(order.successTime).slice(0, 10) !== date) continue
      rows.push(
        line([
          beijing(order.successTime).slice(0, 19).replace('T', ' '),
          order.appid,
          order.mchid,
          '0',
          '',
          order.transactionId!,
          order.outTradeNo,
          order.openid ?? 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
          order.tradeType,
          'SUCCESS',
          'OTHERS',
          'CNY',
          yuan(order.total),
          '0.00',
          '0',
          '0',
          '0.00',
          '0.00',
          '',
          '',
          order.description,
          '',
          yuan(Math.round(order.total * 0.006)),
          '0.60%',
          yuan(order.total),
          '0.00',
          '',
        ])
      )
    }
    for (const refund of refunds.values()) {
      if (!refund.successTime || beijing(refund.successTime).slice(0, 10) !== date) continue
      const order = orders.get(refund.outTradeNo)!
      rows.push(
        line([
          beijing(refund.successTime).slice(0, 19).replace('T', ' '),
          order.appid,
          order.mchid,
          '0',
          '',
          order.transactionId!,
          order.outTradeNo,
          order.openid ?? 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
          order.tradeType,
          'REFUND',
          'OTHERS',
          'CNY',
          '0.00',
          '0.00',
          refund.refundId,
          refund.outRefundNo,
          yuan(refund.refund),
          '0.00',
          'ORIGINAL',
          'SUCCESS',
          order.description,
          '',
          '0.00',
          '0.60%',
          '0.00',
          yuan(refund.refund),
          '',
        ])
      )
    }
    if (rows.length === 0) return null
    return Buffer.from(
      [
        BILL_HEADER,
        ...rows,
        '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
        line([String(rows.length), '0.00', '0.00', '0.00', '0.00', '0.00', '0.00']),
        '',
      ].join('\r\n')
    )
  }

  function route(request: IncomingMessage, response: ServerResponse, body: string) {
    const url = new URL(request.url!, baseUrl)
    const path = url.pathname
    const json = body ? JSON.parse(body) : {}

    const ordering = /^\/v3\/pay\/transactions\/(native|jsapi|h5)$/.exec(path)
    if (request.method === 'POST' && ordering) {
      const tradeType = ({ native: 'NATIVE', jsapi: 'JSAPI', h5: 'MWEB' } as const)[
        ordering[1] as 'native' | 'jsapi' | 'h5'
      ]
      if (json.appid !== APP_ID || json.mchid !== MCH_ID) {
        return fail(response, 400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配')
      }
      const total = json.amount?.total
      if (!Number.isSafeInteger(total) || total <= 0 || !/^[\w-]{6,32}$/.test(json.out_trade_no)) {
        return fail(response, 400, 'PARAM_ERROR', '参数错误')
      }
      const openid = json.payer?.openid
      if (tradeType === 'JSAPI' && (typeof openid !== 'string' || !/^[\w-]{1,128}$/.test(openid))) {
        return fail(response, 400, 'PARAM_ERROR', '缺少参数 payer.openid')
      }
      const scene = json.scene_info
      if (
        tradeType === 'MWEB' &&
        (typeof scene?.payer_client_ip !== 'string' ||
          !scene.payer_client_ip ||
          typeof scene.h5_info?.type !== 'string')
      ) {
        return fail(response, 400, 'PARAM_ERROR', '缺少参数 scene_info')
      }
      const reply = (order: Order) =>
        answer(
          response,
          200,
          tradeType === 'NATIVE'
            ? { code_url: order.codeUrl }
            : tradeType === 'JSAPI'
              ? { prepay_id: order.codeUrl }
              : {
                  h5_url: `${baseUrl}/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=${order.codeUrl}&package=${randomInt(1e9)}`,
                }
        )
      const existing = orders.get(json.out_trade_no)
      if (existing) {
        if (
          existing.total !== total ||
          existing.state !== 'NOTPAY' ||
          existing.tradeType !== tradeType
        ) {
          return fail(response, 400, 'INVALID_REQUEST', '201 商户订单号重复')
        }
        return reply(existing)
      }
      const order: Order = {
        appid: json.appid,
        mchid: json.mchid,
        description: json.description,
        outTradeNo: json.out_trade_no,
        total,
        notifyUrl: json.notify_url,
        timeExpire: json.time_expire,
        tradeType,
        codeUrl:
          tradeType === 'NATIVE'
            ? `weixin://wxpay/bizpayurl?pr=${alnum(9)}`
            : `wx${Date.now()}${alnum(16)}`,
        openid: tradeType === 'JSAPI' ? openid : null,
        state: 'NOTPAY',
        transactionId: null,
        successTime: null,
      }
      orders.set(order.outTradeNo, order)
      return reply(order)
    }

    const order = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)(\/close)?$/.exec(path)
    if (order) {
      const found = orders.get(decodeURIComponent(order[1]))
      const mchid = order[2] ? json.mchid : url.searchParams.get('mchid')
      if (mchid !== MCH_ID) return fail(response, 400, 'PARAM_ERROR', 'mchid 不正确')
      if (!found) return fail(response, 404, 'ORDER_NOT_EXIST', '订单不存在')
      if (request.method === 'GET' && !order[2]) return answer(response, 200, transaction(found))
      if (request.method === 'POST' && order[2]) {
        if (found.state === 'SUCCESS' || found.state === 'REFUND') {
          return fail(response, 400, 'ORDERPAID', '订单已支付')
        }
        found.state = 'CLOSED'
        return answer(response, 204)
      }
    }

    if (request.method === 'POST' && path === '/v3/refund/domestic/refunds') {
      const paid = orders.get(json.out_trade_no)
      if (!paid || (paid.state !== 'SUCCESS' && paid.state !== 'REFUND')) {
        return fail(response, 404, 'RESOURCE_NOT_EXISTS', '订单不存在')
      }
      const existing = refunds.get(json.out_refund_no)
      if (existing) return answer(response, 200, refundBody(existing))
      const amount = json.amount?.refund
      const refunded = [...refunds.values()]
        .filter((refund) => refund.outTradeNo === paid.outTradeNo)
        .reduce((sum, refund) => sum + refund.refund, 0)
      if (json.amount?.total !== paid.total || !Number.isSafeInteger(amount) || amount <= 0) {
        return fail(response, 400, 'PARAM_ERROR', '订单金额或退款金额与之前请求不一致')
      }
      if (refunded + amount > paid.total) {
        return fail(response, 400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额')
      }
      const refund: Refund = {
        outRefundNo: json.out_refund_no,
        outTradeNo: paid.outTradeNo,
        refundId: `50${Date.now()}${randomInt(1e9)}`,
        refund: amount,
        total: paid.total,
        reason: json.reason ?? '',
        notifyUrl: json.notify_url ?? null,
        status: 'PROCESSING',
        createTime: new Date(),
        successTime: null,
      }
      refunds.set(refund.outRefundNo, refund)
      return answer(response, 200, refundBody(refund))
    }

    const refundQuery = /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/.exec(path)
    if (request.method === 'GET' && refundQuery) {
      const refund = refunds.get(decodeURIComponent(refundQuery[1]))
      if (!refund) return fail(response, 404, 'RESOURCE_NOT_EXISTS', '退款单不存在')
      return answer(response, 200, refundBody(refund))
    }

    if (request.method === 'GET' && path === '/v3/bill/tradebill') {
      const date = url.searchParams.get('bill_date') ?? ''
      if (!/^\d{4}-\d\d-\d\d$/.test(date) || url.searchParams.get('bill_type') !== 'ALL') {
        return fail(response, 400, 'PARAM_ERROR', '参数错误')
      }
      const file = tradeBill(date)
      if (!file) return fail(response, 400, 'NO_STATEMENT_EXIST', '账单文件不存在')
      const token = alnum(24)
      bills.set(token, file)
      const hash = createHash('sha1').update(file).digest('hex')
      const announced = corruptHash ? createHash('sha1').update('other').digest('hex') : hash
      corruptHash = false
      return answer(response, 200, {
        hash_type: 'SHA1',
        hash_value: announced,
        download_url: `${baseUrl}/v3/billdownload/file?token=${token}`,
      })
    }

    if (request.method === 'GET' && path === '/v3/billdownload/file') {
      const file = bills.get(url.searchParams.get('token') ?? '')
      if (!file) return fail(response, 400, 'PARAM_ERROR', 'token 无效')
      // The file is not signed: the SHA1 of the bill answer vouches for it.
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
      return response.end(file)
    }

    fail(response, 404, 'NOT_FOUND', '请求的资源不存在')
  }

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const landing = new URL(request.url!, baseUrl)
      if (request.method === 'GET' && landing.pathname === '/cgi-bin/mmpayweb-bin/checkmweb') {
        // The payer's browser, not the merchant: H5 pay's middle page, which opens WeChat.
        const prepayId = landing.searchParams.get('prepay_id')
        const known = [...orders.values()].some(
          (order) => order.tradeType === 'MWEB' && order.codeUrl === prepayId
        )
        response.writeHead(known ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' })
        return response.end(known ? '<!doctype html><title>微信支付</title>' : '')
      }
      if (!authorized(request, body)) {
        // Unsigned: WeChat Pay signs only answers to requests it could verify.
        response.writeHead(401, {
          'content-type': 'application/json; charset=utf-8',
          'request-id': randomUUID(),
        })
        return response.end(
          JSON.stringify({ code: 'SIGN_ERROR', message: '签名错误，请检查后再试' })
        )
      }
      try {
        route(request, response, body)
      } catch {
        fail(response, 500, 'SYSTEM_ERROR', '系统错误')
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  function notification(
    eventType: string,
    resource: Record<string, unknown>,
    options: NotificationOptions = {}
  ): SentNotification {
    const originalType = eventType.startsWith('REFUND.') ? 'refund' : 'transaction'
    const iv = alnum(12)
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key), Buffer.from(iv))
    cipher.setAAD(Buffer.from(originalType))
    const encrypted = Buffer.concat([
      cipher.update(JSON.stringify(resource), 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ])
    if (options.tamperTag) encrypted[encrypted.length - 1] ^= 0x01
    const rawBody = JSON.stringify({
      id: randomUUID(),
      create_time: beijing(new Date()),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary: originalType === 'refund' ? '退款成功' : '支付成功',
      resource: {
        original_type: originalType,
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: encrypted.toString('base64'),
        associated_data: originalType,
        nonce: iv,
      },
    })
    const headers = {
      'content-type': 'application/json',
      ...signatureHeaders(
        rawBody,
        options.key ?? platform.privateKey,
        options.timestamp ?? Math.floor(Date.now() / 1000),
        options.serial
      ),
    }
    return { url: '', headers, rawBody }
  }

  /** Posts a notification and waits for the merchant's answer, as WeChat Pay does. */
  async function deliver(url: string, sent: SentNotification) {
    const response = await fetch(url, { method: 'POST', headers: sent.headers, body: sent.rawBody })
    await response.arrayBuffer()
    return { ...sent, url }
  }

  return {
    url: baseUrl,
    config: () => ({
      appId: APP_ID,
      mchId: MCH_ID,
      merchantSerialNo,
      merchantPrivateKey: pem(merchant.privateKey),
      apiV3Key,
      platformPublicKeyId: publicKeyId,
      platformPublicKey: pem(platform.publicKey),
      baseUrl,
      h5Enabled: true,
    }),
    merchantPublicKey: pem(merchant.publicKey),
    notification,
    jsapiOrdersOf: (openid) =>
      [...orders.values()]
        .filter((order) => order.tradeType === 'JSAPI' && order.openid === openid)
        .map((order) => ({
          outTradeNo: order.outTradeNo,
          prepayId: order.codeUrl,
          total: order.total,
        })),
    tamperNextAnswer: () => {
      tamperNext = true
    },
    corruptNextBillHash: () => {
      corruptHash = true
    },
    async pay(outTradeNo, options = {}) {
      const order = orders.get(outTradeNo)
      if (!order || order.state !== 'NOTPAY') throw new Error(`${outTradeNo} cannot be paid`)
      order.state = 'SUCCESS'
      order.transactionId = `42000${Date.now()}${randomInt(1e9)}`
      order.successTime = new Date()
      if (options.notify === false) return null
      const sent = notification('TRANSACTION.SUCCESS', transaction(order, options), {
        key: options.forgeSignature ? forger.privateKey : undefined,
      })
      if (options.deliver === false) return { ...sent, url: order.notifyUrl }
      return deliver(order.notifyUrl, sent)
    },
    async settleRefund(outRefundNo, options = {}) {
      const refund = refunds.get(outRefundNo)
      if (!refund) throw new Error(`no refund ${outRefundNo}`)
      const order = orders.get(refund.outTradeNo)!
      refund.status = 'SUCCESS'
      refund.successTime = new Date()
      order.state = 'REFUND'
      if (options.notify === false || !refund.notifyUrl) return null
      const sent = notification('REFUND.SUCCESS', {
        mchid: order.mchid,
        out_trade_no: order.outTradeNo,
        transaction_id: order.transactionId,
        out_refund_no: refund.outRefundNo,
        refund_id: refund.refundId,
        refund_status: 'SUCCESS',
        success_time: beijing(refund.successTime),
        user_received_account: '支付用户零钱',
        amount: {
          total: refund.total,
          refund: refund.refund,
          payer_total: refund.total,
          payer_refund: refund.refund,
        },
      })
      return deliver(refund.notifyUrl, sent)
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
