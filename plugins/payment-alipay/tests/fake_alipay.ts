import {
  createSign,
  createVerify,
  generateKeyPairSync,
  randomBytes,
  randomInt,
  type KeyObject,
} from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { zipSync } from 'fflate'
import iconv from 'iconv-lite'
import { DateTime } from 'luxon'
import type {
  PayOptions,
  PaymentGatewayHarness,
  SentNotification,
} from '#sdk/testing/payment_contract'

/*
| A local stand-in for the Alipay openapi gateway (unreachable from tests).
| It takes calls as https://openapi.alipay.com/gateway.do does (form POST,
| common parameters in the query string or the body, biz_content JSON,
| RSA2 over the sorted parameters), checks the merchant's signature with
| the application public key, answers `<method>_response` signed with the
| Alipay private key, posts signed form-encoded notifications, and serves
| the trade bill as a zip of GBK CSV files. Keys are generated per start.
| Written apart from the plugin on purpose: nothing here imports it.
*/

const ZONE = 'Asia/Shanghai'
const WALL_CLOCK = 'yyyy-MM-dd HH:mm:ss'

type TradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED'

interface Refund {
  outRequestNo: string
  amount: number
  at: Date
}

interface Trade {
  outTradeNo: string
  amount: number
  subject: string
  notifyUrl: string | null
  expiresAt: Date | null
  qrCode: string
  createdAt: Date
  /** A precreated trade is unknown to queries until the payer scans the code. */
  scanned: boolean
  /** alipay.trade.create: the payer it was made for (buyer_id or buyer_open_id). */
  buyer: string | null
  /** Closed by the merchant before anyone scanned it. */
  withdrawn: boolean
  status: TradeStatus
  tradeNo: string | null
  paidAt: Date | null
  refunds: Refund[]
}

/** What the fake's pay() also takes besides the contract's options. */
export interface FakeAlipayPayOptions extends PayOptions {
  /** Report this app_id instead of the merchant's. */
  appId?: string
  /** Send these parameters as they are, signed (undefined leaves one out): malformed fields. */
  fields?: Record<string, string | undefined>
}

export interface FakeAlipay extends PaymentGatewayHarness {
  url: string
  appId: string
  sellerId: string
  /** The merchant's application private key, PEM (for tests that sign like the plugin). */
  applicationPrivateKey: string
  pay(outTradeNo: string, options?: FakeAlipayPayOptions): Promise<SentNotification | null>
  /** The payer scans the code: the trade now exists and waits for payment. */
  scan(outTradeNo: string): void
  /** Sign gateway answers with a key the merchant does not trust. */
  forgeResponses(forge: boolean): void
  /** Every notification posted, with the merchant's answer. */
  notifications: (SentNotification & { reply: { status: number; body: string } })[]
}

const beijing = (instant: Date) => DateTime.fromJSDate(instant).setZone(ZONE).toFormat(WALL_CLOCK)

/** Fen as yuan by string surgery, independent of the plugin's arithmetic. */
function yuan(fen: number) {
  const digits = String(Math.abs(fen)).padStart(3, '0')
  return `${fen < 0 ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`
}

function fenOf(text: unknown): number | null {
  if (typeof text !== 'string' || !/^\d{1,11}(\.\d{1,2})?$/.test(text)) return null
  const [whole, fraction = ''] = text.split('.')
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'))
}

/** Sorted `k=v` over every parameter but the ones left out, values as they are. */
function signContent(params: Record<string, string>, leaveOut: string[]) {
  return Object.keys(params)
    .filter((key) => !leaveOut.includes(key) && params[key] !== '')
    .sort()
    .map((key) => `${key}=${params[key]}`)
    .join('&')
}

function rsa2(content: string, key: KeyObject) {
  return createSign('RSA-SHA256').update(content, 'utf8').sign(key, 'base64')
}

function randomDigits(count: number) {
  let out = ''
  while (out.length < count) out += String(randomInt(0, 10))
  return out
}

function readBody(request: IncomingMessage) {
  return new Promise<string>((resolve, reject) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => (body += chunk))
    request.on('end', () => resolve(body))
    request.on('error', reject)
  })
}

const BILL_HEADER = [
  '支付宝交易号',
  '商户订单号',
  '业务类型',
  '商品名称',
  '创建时间',
  '完成时间',
  '门店编号',
  '门店名称',
  '操作员',
  '终端号',
  '对方账户',
  '订单金额（元）',
  '商家实收（元）',
  '支付宝红包（元）',
  '集分宝（元）',
  '支付宝优惠（元）',
  '商家优惠（元）',
  '券核销金额（元）',
  '券名称',
  '商家红包消费金额（元）',
  '卡消费金额（元）',
  '退款批次号/请求号',
  '服务费（元）',
  '分润（元）',
  '备注',
]

export async function startFakeAlipay(): Promise<FakeAlipay> {
  const keyPair = () => generateKeyPairSync('rsa', { modulusLength: 2048 })
  const application = keyPair()
  const alipay = keyPair()
  const stranger = keyPair()
  const appId = `2021${randomDigits(12)}`
  const sellerId = `2088${randomDigits(12)}`
  const trades = new Map<string, Trade>()
  const billTokens = new Map<string, { date: string; expires: number }>()
  const notifications: FakeAlipay['notifications'] = []
  const inFlight = new Set<Promise<unknown>>()
  let responseKey = alipay.privateKey
  let url = ''

  function findRefund(outRequestNo: string) {
    for (const trade of trades.values()) {
      const refund = trade.refunds.find((item) => item.outRequestNo === outRequestNo)
      if (refund) return { trade, refund }
    }
    return null
  }

  /** Posts a signed trade_status_sync notification to the trade's notify_url. */
  async function notify(
    trade: Trade,
    overrides: FakeAlipayPayOptions = {}
  ): Promise<SentNotification | null> {
    if (!trade.notifyUrl) return null
    const amount = yuan(overrides.amount ?? trade.amount)
    const refunded = trade.refunds.reduce((sum, item) => sum + item.amount, 0)
    const params: Record<string, string> = {
      gmt_create: beijing(trade.createdAt),
      charset: 'utf-8',
      gmt_payment: beijing(trade.paidAt!),
      notify_time: beijing(new Date()),
      subject: trade.subject,
      ...(trade.buyer?.startsWith('2088') || !trade.buyer
        ? { buyer_id: trade.buyer ?? '2088102177846880' }
        : { buyer_open_id: trade.buyer }),
      invoice_amount: amount,
      version: '1.0',
      notify_id: `2026${randomBytes(15).toString('hex')}`,
      fund_bill_list: JSON.stringify([{ amount, fundChannel: 'ALIPAYACCOUNT' }]),
      notify_type: 'trade_status_sync',
      out_trade_no: trade.outTradeNo,
      total_amount: amount,
      trade_status: trade.status,
      trade_no: trade.tradeNo!,
      auth_app_id: appId,
      receipt_amount: amount,
      point_amount: '0.00',
      app_id: overrides.appId ?? appId,
      buyer_pay_amount: amount,
      seller_id: overrides.merchantId ?? sellerId,
      buyer_logon_id: '159****5620',
    }
    if (refunded > 0) {
      params.refund_fee = yuan(refunded)
      params.gmt_refund = beijing(trade.refunds.at(-1)!.at)
    }
    for (const [name, value] of Object.entries(overrides.fields ?? {})) {
      if (value === undefined) delete params[name]
      else params[name] = value
    }
    const key = overrides.forgeSignature ? stranger.privateKey : alipay.privateKey
    const sign = rsa2(signContent(params, ['sign', 'sign_type']), key)
    const rawBody = new URLSearchParams({ ...params, sign_type: 'RSA2', sign }).toString()
    const headers = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }
    if (overrides.deliver === false) return { url: trade.notifyUrl, headers, rawBody }
    const response = await fetch(trade.notifyUrl, { method: 'POST', headers, body: rawBody })
    const sent = { url: trade.notifyUrl, headers, rawBody }
    notifications.push({ ...sent, reply: { status: response.status, body: await response.text() } })
    return sent
  }

  /** Notifications Alipay sends on its own (after refunds) are not awaited by the caller. */
  function notifyLater(trade: Trade) {
    const work = notify(trade).catch(() => null)
    inFlight.add(work)
    void work.finally(() => inFlight.delete(work))
  }

  type Answer = Record<string, unknown>
  const success = (fields: Answer = {}): Answer => ({ code: '10000', msg: 'Success', ...fields })
  const businessFailure = (subCode: string, subMsg: string): Answer => ({
    code: '40004',
    msg: 'Business Failed',
    sub_code: subCode,
    sub_msg: subMsg,
  })
  const invalidArguments = (subCode: string, subMsg: string): Answer => ({
    code: '40002',
    msg: 'Invalid Arguments',
    sub_code: subCode,
    sub_msg: subMsg,
  })
  const tradeNotExist = () => businessFailure('ACQ.TRADE_NOT_EXIST', '交易不存在')

  /** A new trade, or the same one again for a retry; an Alipay failure answer otherwise. */
  function openTrade(
    biz: Record<string, any>,
    common: Record<string, string>,
    buyer: string | null
  ): { ok: false; failure: Answer } | { ok: true; trade: Trade } {
    const amount = fenOf(biz.total_amount)
    if (!/^[0-9A-Za-z_-]{1,64}$/.test(biz.out_trade_no ?? '')) {
      return {
        ok: false,
        failure: invalidArguments('isv.invalid-parameter', 'out_trade_no 不合法'),
      }
    }
    if (amount === null || amount < 1 || amount > 10_000_000_000) {
      return {
        ok: false,
        failure: invalidArguments('isv.invalid-parameter', 'total_amount 不合法'),
      }
    }
    if (!biz.subject)
      return {
        ok: false,
        failure: invalidArguments('isv.missing-parameter', '缺少必选参数 subject'),
      }
    const expiresAt = biz.time_expire
      ? DateTime.fromFormat(biz.time_expire, WALL_CLOCK, { zone: ZONE })
      : null
    if (expiresAt && !expiresAt.isValid) {
      return {
        ok: false,
        failure: invalidArguments('isv.invalid-parameter', 'time_expire 格式错误'),
      }
    }
    const existing = trades.get(biz.out_trade_no)
    if (existing) {
      if (existing.status === 'TRADE_SUCCESS') {
        return { ok: false, failure: businessFailure('ACQ.TRADE_HAS_SUCCESS', '交易已被支付') }
      }
      if (existing.status === 'TRADE_CLOSED' || existing.withdrawn) {
        return { ok: false, failure: businessFailure('ACQ.TRADE_HAS_CLOSE', '交易已经关闭') }
      }
      if (existing.amount !== amount) {
        return { ok: false, failure: businessFailure('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改') }
      }
      if (existing.buyer !== buyer) {
        return { ok: false, failure: businessFailure('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改') }
      }
      return { ok: true, trade: existing }
    }
    const trade: Trade = {
      outTradeNo: biz.out_trade_no,
      amount,
      subject: biz.subject,
      notifyUrl: common.notify_url ?? null,
      expiresAt: expiresAt?.toJSDate() ?? null,
      qrCode: `https://qr.alipay.com/bax0${randomBytes(12).toString('hex')}`,
      createdAt: new Date(),
      scanned: false,
      buyer,
      withdrawn: false,
      status: 'WAIT_BUYER_PAY',
      tradeNo: null,
      paidAt: null,
      refunds: [],
    }
    trades.set(trade.outTradeNo, trade)
    return { ok: true, trade }
  }

  const methods: Record<
    string,
    (biz: Record<string, any>, common: Record<string, string>) => Answer
  > = {
    'alipay.trade.precreate'(biz, common) {
      const opened = openTrade(biz, common, null)
      if (!opened.ok) return opened.failure
      return success({ out_trade_no: opened.trade.outTradeNo, qr_code: opened.trade.qrCode })
    },

    'alipay.trade.create'(biz, common) {
      const buyer = biz.buyer_id ?? biz.buyer_open_id
      if (typeof buyer !== 'string' || !/^[\w-]{1,128}$/.test(buyer)) {
        return invalidArguments('isv.missing-parameter', '缺少必选参数 buyer_id 或 buyer_open_id')
      }
      if (biz.buyer_id !== undefined && !/^2088\d{12}$/.test(biz.buyer_id)) {
        return invalidArguments('isv.invalid-parameter', 'buyer_id 不合法')
      }
      const opened = openTrade(biz, common, buyer)
      if (!opened.ok) return opened.failure
      // The trade exists at once: the payer pays it in Alipay by tradePay(trade_no).
      scan(opened.trade.outTradeNo)
      return success({ out_trade_no: opened.trade.outTradeNo, trade_no: opened.trade.tradeNo })
    },

    'alipay.trade.query'(biz) {
      const trade = trades.get(biz.out_trade_no)
      if (!trade?.scanned) return tradeNotExist()
      const amount = yuan(trade.amount)
      return success({
        trade_no: trade.tradeNo,
        out_trade_no: trade.outTradeNo,
        buyer_logon_id: '159****5620',
        trade_status: trade.status,
        total_amount: amount,
        ...(trade.paidAt
          ? {
              buyer_pay_amount: amount,
              receipt_amount: amount,
              invoice_amount: amount,
              point_amount: '0.00',
              send_pay_date: beijing(trade.paidAt),
            }
          : {}),
        buyer_user_id: '2088102177846880',
      })
    },

    'alipay.trade.close'(biz) {
      const trade = trades.get(biz.out_trade_no)
      if (!trade?.scanned) {
        if (trade) trade.withdrawn = true
        return tradeNotExist()
      }
      if (trade.status === 'TRADE_SUCCESS') {
        return businessFailure('ACQ.TRADE_STATUS_ERROR', '交易状态不合法')
      }
      trade.status = 'TRADE_CLOSED'
      return success({ trade_no: trade.tradeNo, out_trade_no: trade.outTradeNo })
    },

    'alipay.trade.refund'(biz) {
      const trade = trades.get(biz.out_trade_no)
      if (!trade?.scanned) return tradeNotExist()
      const amount = fenOf(biz.refund_amount)
      if (amount === null || amount < 1) {
        return invalidArguments('isv.invalid-parameter', 'refund_amount 不合法')
      }
      const outRequestNo: string = biz.out_request_no ?? trade.outTradeNo
      const refundedBefore = trade.refunds.reduce((sum, item) => sum + item.amount, 0)
      const refunded = (fundChange: 'Y' | 'N', refundedNow: number) =>
        success({
          trade_no: trade.tradeNo,
          out_trade_no: trade.outTradeNo,
          buyer_logon_id: '159****5620',
          fund_change: fundChange,
          refund_fee: yuan(refundedNow),
          gmt_refund_pay: beijing(new Date()),
          buyer_user_id: '2088102177846880',
        })
      const earlier = trade.refunds.find((item) => item.outRequestNo === outRequestNo)
      if (earlier) {
        if (earlier.amount !== amount) {
          return businessFailure('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额与首次请求不一致')
        }
        return refunded('N', refundedBefore)
      }
      if (!trade.paidAt) return businessFailure('ACQ.TRADE_STATUS_ERROR', '交易状态不合法')
      if (refundedBefore + amount > trade.amount) {
        return businessFailure('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限')
      }
      trade.refunds.push({ outRequestNo, amount, at: new Date() })
      if (refundedBefore + amount === trade.amount) trade.status = 'TRADE_CLOSED'
      // Alipay tells the notify_url of the trade that its refund amount changed.
      notifyLater(trade)
      return refunded('Y', refundedBefore + amount)
    },

    'alipay.trade.fastpay.refund.query'(biz) {
      const trade = trades.get(biz.out_trade_no)
      if (!trade?.scanned) return tradeNotExist()
      const refund = trade.refunds.find((item) => item.outRequestNo === biz.out_request_no)
      // An unknown refund is an empty success, as Alipay answers it.
      if (!refund) return success()
      const options: string[] = biz.query_options ?? []
      return success({
        trade_no: trade.tradeNo,
        out_trade_no: trade.outTradeNo,
        out_request_no: refund.outRequestNo,
        total_amount: yuan(trade.amount),
        refund_amount: yuan(refund.amount),
        refund_status: 'REFUND_SUCCESS',
        ...(options.includes('gmt_refund_pay') ? { gmt_refund_pay: beijing(refund.at) } : {}),
      })
    },

    'alipay.data.dataservice.bill.downloadurl.query'(biz) {
      if (biz.bill_type !== 'trade') {
        return invalidArguments('isv.invalid-parameter', '不支持的账单类型')
      }
      if (!/^\d{4}-\d{2}-\d{2}$/.test(biz.bill_date ?? '')) {
        return invalidArguments('isv.invalid-parameter', 'bill_date 格式错误')
      }
      const token = randomBytes(16).toString('hex')
      // Alipay's download links expire after 30 seconds.
      billTokens.set(token, { date: biz.bill_date, expires: Date.now() + 30_000 })
      const day = biz.bill_date.replaceAll('-', '')
      const query = new URLSearchParams({
        bizType: 'trade',
        userId: `${sellerId}0156`,
        fileType: 'csv.zip',
        bizDates: day,
        downloadFileName: `${sellerId}0156_${day}.csv.zip`,
        fileId: `/trade/${sellerId}0156/${day}.csv.zip`,
        timestamp: String(Date.now()),
        token,
      })
      return success({ bill_download_url: `${url}/downloadBillFile.resource?${query}` })
    },
  }

  function answer(response: ServerResponse, method: string, content: Answer) {
    const key = `${method.replaceAll('.', '_')}_response`
    const body = JSON.stringify(content)
    const sign = rsa2(body, responseKey)
    response.writeHead(200, { 'content-type': 'text/html;charset=utf-8' })
    response.end(`{"${key}":${body},"sign":"${sign}"}`)
  }

  /** The common parameters and the merchant's RSA2 signature, as the gateway checks them. */
  function refusal(params: Record<string, string>): Answer | null {
    if (params.app_id !== appId) return invalidArguments('isv.invalid-app-id', '无效的AppID参数')
    if (params.sign_type !== 'RSA2' || params.charset !== 'utf-8' || params.version !== '1.0') {
      return invalidArguments('isv.invalid-parameter', '公共参数不合法')
    }
    const stamp = DateTime.fromFormat(params.timestamp ?? '', WALL_CLOCK, { zone: ZONE })
    if (!stamp.isValid || Math.abs(stamp.toMillis() - Date.now()) > 15 * 60_000) {
      return invalidArguments('isv.invalid-timestamp', '非法的时间戳参数')
    }
    const content = signContent(params, ['sign'])
    const valid =
      !!params.sign &&
      createVerify('RSA-SHA256')
        .update(content, 'utf8')
        .verify(application.publicKey, params.sign, 'base64')
    if (!valid) {
      return invalidArguments(
        'isv.invalid-signature',
        `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${content}`
      )
    }
    return null
  }

  /**
   * alipay.trade.wap.pay is a page, not an API call: the payer's browser
   * brings the signed parameters and Alipay shows its cashier (or an error
   * page); the trade exists from then on.
   */
  function wapPay(params: Record<string, string>, response: ServerResponse) {
    const page = (status: number, text: string) => {
      response.writeHead(status, { 'content-type': 'text/html;charset=utf-8' })
      response.end(`<!doctype html><title>支付宝</title><p>${text.replace(/[<>&]/g, '')}</p>`)
    }
    const refused = refusal(params)
    if (refused) return page(400, String(refused.sub_code))
    let biz: Record<string, any>
    try {
      biz = JSON.parse(params.biz_content ?? '')
    } catch {
      return page(400, 'isv.invalid-parameter biz_content')
    }
    if (biz.product_code !== 'QUICK_WAP_WAY' || typeof biz.quit_url !== 'string') {
      return page(400, 'isv.invalid-parameter product_code quit_url')
    }
    const opened = openTrade(biz, params, null)
    if (!opened.ok) return page(400, String(opened.failure.sub_code))
    scan(opened.trade.outTradeNo)
    page(200, `支付宝收银台 ${opened.trade.subject} ¥${yuan(opened.trade.amount)}`)
  }

  function gateway(params: Record<string, string>, response: ServerResponse) {
    const method = params.method ?? ''
    if (!methods[method]) {
      response.writeHead(200, { 'content-type': 'text/html;charset=utf-8' })
      return response.end(
        JSON.stringify({
          error_response: {
            code: '40004',
            msg: 'Business Failed',
            sub_code: 'isv.invalid-method',
            sub_msg: '不存在的方法名',
          },
        })
      )
    }
    const refused = refusal(params)
    if (refused) return answer(response, method, refused)
    let biz: Record<string, any>
    try {
      biz = JSON.parse(params.biz_content ?? '{}')
    } catch {
      return answer(
        response,
        method,
        invalidArguments('isv.invalid-parameter', 'biz_content 不合法')
      )
    }
    answer(response, method, methods[method](biz, params))
  }

  function billCsv(date: string) {
    const day = DateTime.fromISO(date, { zone: ZONE })
    const sameDay = (instant: Date) => beijing(instant).startsWith(date)
    const lines: string[] = []
    let paid = 0
    let refunded = 0
    const cell = (text: string) => `${text}\t`
    for (const trade of trades.values()) {
      const row = (kind: string, at: Date, fen: number, requestNo: string) =>
        [
          cell(trade.tradeNo!),
          cell(trade.outTradeNo),
          kind,
          trade.subject,
          beijing(trade.createdAt),
          beijing(at),
          '',
          '',
          '',
          '',
          '159****5620',
          yuan(fen),
          yuan(fen),
          '0.00',
          '0.00',
          '0.00',
          '0.00',
          '0.00',
          '',
          '0.00',
          '0.00',
          requestNo ? cell(requestNo) : '',
          '0.00',
          '0.00',
          '',
        ].join(',')
      if (trade.paidAt && sameDay(trade.paidAt)) {
        lines.push(row('交易', trade.paidAt, trade.amount, ''))
        paid += trade.amount
      }
      for (const refund of trade.refunds.filter((item) => sameDay(item.at))) {
        lines.push(row('退款', refund.at, -refund.amount, refund.outRequestNo))
        refunded += refund.amount
      }
    }
    const range = `#起始日期：[${day.toFormat('yyyy年MM月dd日')} 00:00:00]   终止日期：[${day.plus({ days: 1 }).toFormat('yyyy年MM月dd日')} 00:00:00]`
    const detail = [
      '#支付宝业务明细查询',
      `#账号：[${sellerId}0156]`,
      range,
      '#-----------------------------------------业务明细列表----------------------------------------',
      BILL_HEADER.join(','),
      ...lines,
      '#-----------------------------------------业务明细列表结束------------------------------------',
      `#交易合计：${yuan(paid)}元`,
      `#退款合计：${yuan(-refunded)}元`,
      `#导出时间：[${DateTime.now().setZone(ZONE).toFormat('yyyy年MM月dd日 HH:mm:ss')}]`,
    ].join('\r\n')
    const summary = [
      '#支付宝业务汇总查询',
      `#账号：[${sellerId}0156]`,
      range,
      '门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）',
      `合计,,${lines.length},0,${yuan(paid - refunded)},${yuan(paid - refunded)}`,
    ].join('\r\n')
    const name = `${sellerId}0156_${date.replaceAll('-', '')}`
    // The summary comes first, as in Alipay's zips, so a reader cannot just take entry one.
    return zipSync({
      [`${name}_业务明细(汇总).csv`]: iconv.encode(summary, 'gbk'),
      [`${name}_业务明细.csv`]: iconv.encode(detail, 'gbk'),
    })
  }

  const server = createServer((request, response) => {
    void (async () => {
      const target = new URL(request.url ?? '/', url)
      if (
        target.pathname === '/gateway.do' &&
        request.method === 'GET' &&
        target.searchParams.get('method') === 'alipay.trade.wap.pay'
      ) {
        return wapPay(Object.fromEntries(target.searchParams), response)
      }
      if (target.pathname === '/gateway.do' && request.method === 'POST') {
        const body = Object.fromEntries(new URLSearchParams(await readBody(request)))
        return gateway({ ...Object.fromEntries(target.searchParams), ...body }, response)
      }
      if (target.pathname === '/downloadBillFile.resource' && request.method === 'GET') {
        const token = billTokens.get(target.searchParams.get('token') ?? '')
        if (!token || token.expires < Date.now()) {
          response.writeHead(403, { 'content-type': 'text/plain' })
          return response.end('token expired')
        }
        response.writeHead(200, { 'content-type': 'application/oct-stream' })
        return response.end(billCsv(token.date))
      }
      response.writeHead(404).end()
    })().catch((error: Error) => {
      response.writeHead(500).end(error.message)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const bareBase64 = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')
  const applicationPrivateKey = application.privateKey
    .export({ type: 'pkcs1', format: 'pem' })
    .toString()

  function tradeFor(outTradeNo: string) {
    const trade = trades.get(outTradeNo)
    if (!trade) throw new Error(`fake Alipay: no trade ${outTradeNo}`)
    return trade
  }

  function scan(outTradeNo: string) {
    const trade = tradeFor(outTradeNo)
    if (trade.withdrawn || trade.status === 'TRADE_CLOSED') {
      throw new Error(`fake Alipay: trade ${outTradeNo} is closed`)
    }
    if (trade.expiresAt && trade.expiresAt.getTime() < Date.now()) {
      throw new Error(`fake Alipay: trade ${outTradeNo} has expired`)
    }
    if (!trade.scanned) {
      trade.scanned = true
      trade.tradeNo = `${DateTime.now().setZone(ZONE).toFormat('yyyyMMdd')}22001${randomDigits(15)}`
    }
    return trade
  }

  return {
    url,
    appId,
    sellerId,
    applicationPrivateKey,
    notifications,
    config: () => ({
      appId,
      // As the Alipay key tool writes them: bare base64, PKCS#1 private, SPKI public.
      privateKey: bareBase64(applicationPrivateKey),
      alipayPublicKey: bareBase64(
        alipay.publicKey.export({ type: 'spki', format: 'pem' }).toString()
      ),
      sellerId,
      gateway: `${url}/gateway.do`,
    }),
    scan,
    async pay(outTradeNo, options = {}) {
      const trade = scan(outTradeNo)
      if (trade.status !== 'WAIT_BUYER_PAY') {
        throw new Error(`fake Alipay: trade ${outTradeNo} is ${trade.status}`)
      }
      trade.status = 'TRADE_SUCCESS'
      trade.paidAt = new Date()
      return options.notify === false ? null : notify(trade, options)
    },
    async settleRefund(outRefundNo) {
      // Alipay refunds are done when alipay.trade.refund answers; nothing is left to settle.
      if (!findRefund(outRefundNo)) throw new Error(`fake Alipay: no refund ${outRefundNo}`)
      return null
    },
    forgeResponses(forge) {
      responseKey = forge ? stranger.privateKey : alipay.privateKey
    },
    async close() {
      await Promise.all([...inFlight])
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
