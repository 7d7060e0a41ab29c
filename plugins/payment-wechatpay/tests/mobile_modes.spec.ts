import { test } from '@japa/runner'
import { instantiatePlugin } from '#sdk/testing/context'
import wechatpay from '../index.js'
import {
  openPayment,
  PaymentModeUnsupported,
  type MobilePaymentRequest,
  type PaymentProvider,
} from '#sdk/contracts/payment'
import { startFakeWechatpay, type FakeWechatpay } from './fake_wechatpay.js'

const OPENID = 'oUpF8uCHOSEN_payer_openid0001'

test.group('payment-wechatpay mobile modes', (group) => {
  let gateway: FakeWechatpay
  let provider: PaymentProvider
  let sequence = 0

  group.setup(async () => {
    gateway = await startFakeWechatpay()
    provider = await instantiatePlugin(wechatpay, gateway.config())
    return () => gateway.close()
  })

  function request(fields: Record<string, string>) {
    sequence += 1
    return {
      outTradeNo: `WXM${Date.now()}${sequence}`,
      amount: 2000,
      description: '充值 20.00 元',
      notifyUrl: 'http://127.0.0.1:9/notify',
      expiresAt: new Date(Date.now() + 600_000),
      ...fields,
    } as MobilePaymentRequest
  }

  test('H5 is refused unless the merchant enabled it; JSAPI needs no switch', async ({
    assert,
  }) => {
    const config = { ...gateway.config(), h5Enabled: undefined }
    const plain = await instantiatePlugin(wechatpay, config)
    assert.deepEqual([...plain.modes!], ['native', 'jsapi'])
    const h5 = request({ mode: 'h5', payerIp: '203.0.113.7', returnUrl: 'https://a.example/r' })
    const refusal = await openPayment(wechatpay.id, plain, h5).catch((error: unknown) => error)
    assert.instanceOf(refusal, PaymentModeUnsupported)
    const direct = await plain.createMobilePayment!(h5).catch((error: unknown) => error)
    assert.instanceOf(direct, PaymentModeUnsupported)
    const jsapi = await plain.createMobilePayment!(request({ mode: 'jsapi', payerId: OPENID }))
    assert.equal(jsapi.mode, 'jsapi')
  })

  test("a JSAPI payment is ordered for the payer's openid, which the notification names", async ({
    assert,
  }) => {
    const jsapi = request({ mode: 'jsapi', payerId: OPENID })
    await provider.createMobilePayment!(jsapi)
    const sent = await gateway.pay(jsapi.outTradeNo, { deliver: false })
    const event = await provider.parseWebhook({ headers: sent!.headers, rawBody: sent!.rawBody })
    assert.equal(event?.kind, 'payment')
    assert.deepInclude(event!.raw, { trade_type: 'JSAPI', payer: { openid: OPENID } })
  })

  test('the H5 redirect sends the payer back to the return URL', async ({ assert }) => {
    const returnUrl = 'https://pilehub.example/h5/topup/done?order=P1&x=1'
    const created = await provider.createMobilePayment!(
      request({ mode: 'h5', payerIp: '203.0.113.7', returnUrl })
    )
    assert.equal(created.mode, 'h5')
    const url = new URL((created as { redirectUrl: string }).redirectUrl)
    assert.equal(url.searchParams.get('redirect_url'), returnUrl)
    assert.match(url.searchParams.get('prepay_id') ?? '', /^wx/)
  })
})
