import { test } from '@japa/runner'
import { testContext } from '#sdk/testing/context'
import alipay from '../index.js'
import type { MobilePaymentRequest, PaymentProvider } from '#sdk/contracts/payment'
import { startFakeAlipay, type FakeAlipay } from './fake_alipay.js'

test.group('payment-alipay mobile modes', (group) => {
  let gateway: FakeAlipay
  let provider: PaymentProvider
  let sequence = 0

  group.setup(async () => {
    gateway = await startFakeAlipay()
    provider = await alipay.create(await alipay.validateConfig(gateway.config()), testContext())
    return () => gateway.close()
  })

  function request(fields: Record<string, string>) {
    sequence += 1
    return {
      outTradeNo: `ALM${Date.now()}${sequence}`,
      amount: 3000,
      description: '充值 30.00 元',
      notifyUrl: 'http://127.0.0.1:9/notify',
      expiresAt: new Date(Date.now() + 600_000),
      ...fields,
    } as MobilePaymentRequest
  }

  async function statusOf(outTradeNo: string) {
    const state = await provider.query(outTradeNo)
    return state.status
  }

  async function wapUrl(outTradeNo?: string) {
    const wap = request({ mode: 'h5', payerIp: '203.0.113.7', returnUrl: 'https://a.example/r' })
    if (outTradeNo) wap.outTradeNo = outTradeNo
    const created = await provider.createMobilePayment!(wap)
    return {
      outTradeNo: wap.outTradeNo,
      url: new URL((created as { redirectUrl: string }).redirectUrl),
    }
  }

  test('a buyer_id (2088…) opens the trade for tradePay, and the notification names the buyer', async ({
    assert,
  }) => {
    const jsapi = request({ mode: 'jsapi', payerId: '2088102177849999' })
    const created = await provider.createMobilePayment!(jsapi)
    assert.deepInclude(created, { mode: 'jsapi', bridge: 'AlipayJSBridge' })
    const state = await provider.query(jsapi.outTradeNo)
    assert.equal(state.status, 'pending')
    assert.equal(state.providerTradeNo, (created as { tradeNo: string }).tradeNo)
    const sent = await gateway.pay(jsapi.outTradeNo, { deliver: false })
    assert.equal(new URLSearchParams(sent!.rawBody).get('buyer_id'), '2088102177849999')
    const event = await provider.parseWebhook({ headers: sent!.headers, rawBody: sent!.rawBody })
    assert.deepInclude(event, { kind: 'payment', status: 'paid', amount: 3000 })
  })

  test('the wap URL is a signed gateway GET with QUICK_WAP_WAY, return_url and quit_url', async ({
    assert,
  }) => {
    const { outTradeNo, url } = await wapUrl()
    assert.equal(url.searchParams.get('method'), 'alipay.trade.wap.pay')
    assert.equal(url.searchParams.get('return_url'), 'https://a.example/r')
    assert.equal(url.searchParams.get('sign_type'), 'RSA2')
    assert.deepInclude(JSON.parse(url.searchParams.get('biz_content')!), {
      out_trade_no: outTradeNo,
      total_amount: '30.00',
      product_code: 'QUICK_WAP_WAY',
      quit_url: 'https://a.example/r',
    })
    // No call is made until the payer's browser brings the URL.
    assert.equal(await statusOf(outTradeNo), 'not_found')
  })

  test('a wap URL whose amount was changed is refused by the gateway and opens no trade', async ({
    assert,
  }) => {
    const { outTradeNo, url } = await wapUrl()
    const biz = JSON.parse(url.searchParams.get('biz_content')!)
    url.searchParams.set('biz_content', JSON.stringify({ ...biz, total_amount: '0.01' }))
    const page = await fetch(url)
    assert.equal(page.status, 400)
    assert.include(await page.text(), 'isv.invalid-signature')
    assert.equal(await statusOf(outTradeNo), 'not_found')

    const again = await wapUrl(outTradeNo)
    const genuine = await fetch(again.url)
    assert.equal(genuine.status, 200)
    assert.equal(await statusOf(outTradeNo), 'pending')
  })
})
