import { verify } from 'node:crypto'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import type { Locator } from 'playwright'
import TopupPackage from '#models/topup_package'
import RiderOauthSettingsService from '#services/settings/rider_oauth_settings_service'
import { resetLoginLimits } from '#tests/helpers/login'
import { phoneContext } from '#tests/helpers/browser'
import {
  charging,
  chargingFixture,
  chargingFor,
  endRecord,
  owner,
} from '#tests/functional/charging/helpers'
import { enablePaymentPlugin, startPaymentWorker } from '#tests/functional/payments/helpers'
import { runLedgerVerify } from '#tests/functional/wallet/helpers'
import { startRiderOauthFake } from '#tests/fakes/rider_oauth_fake'
import { startFakeWechatpay } from '../../plugins/payment-wechatpay/tests/fake_wechatpay.js'

/*
| The whole rider journey inside WeChat on a phone: scan, sign in through
| the official account (the OAuth fake), 充值 a package paid by WeChat Pay
| JSAPI, charge, stop, read the bill. The page's WeixinJSBridge is played
| here as WeChat's client plays it: it checks paySign with the merchant's
| public key and that the package is the prepay id WeChat Pay (the local
| fake) issued for this payer, then has the fake pay, which posts its
| signed notification to our webhook. The pile's part is played by the
| charging service, as the gateway process does.
*/

const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN'

type BridgeParams = {
  appId: string
  timeStamp: string
  nonceStr: string
  package: string
  signType: string
  paySign: string
}

/** Waits for a text the page gets by its poll (longer than an assertion's retries allow for). */
function polled(locator: Locator, text: string) {
  return locator.filter({ hasText: text }).waitFor({ timeout: 15_000 })
}

async function wallet(riderId: number) {
  const row = await owner().from('wallets').where('rider_id', riderId).firstOrFail()
  return { real: Number(row.real_balance), bonus: Number(row.bonus_balance) }
}

async function assertLedgerVerified(assert: { equal(a: unknown, b: unknown, m?: string): void }) {
  const verified = await runLedgerVerify()
  assert.equal(verified.code, 0, verified.output)
}

test.group('Rider journey inside WeChat, in a phone browser', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('scan → WeChat sign-in → 充值 ¥50 (送¥5) by JSAPI → charge → stop → bill, to the fen', async ({
    browser,
    cleanup,
    assert,
  }) => {
    const queue = await startPaymentWorker()
    cleanup(() => queue.close())
    const wechatpay = await startFakeWechatpay()
    cleanup(() => wechatpay.close())
    const oauth = await startRiderOauthFake()
    cleanup(() => oauth.stop())

    const fixture = await chargingFixture({ balance: 0 })
    const payConfig = wechatpay.config()
    await enablePaymentPlugin(fixture.tenant.id, 'payment-wechatpay', payConfig)
    const appid = `wx${fixture.tenant.id}j0urney`
    oauth.addWechatApp(appid, 'journey-secret')
    const oauthSettings = await app.container.make(RiderOauthSettingsService)
    await oauthSettings.configure(fixture.asAdmin, {
      provider: 'wechat',
      appId: appid,
      secret: 'journey-secret',
      confirm: { secret: 'journey-secret' },
      enabled: true,
    })
    const openid = `o_${fixture.tenant.id}_journey`
    oauth.wechatAs({ openid })
    await TopupPackage.create(
      {
        tenantId: fixture.tenant.id,
        projectId: fixture.project.id,
        amount: 5000,
        bonus: 500,
        sortOrder: 1,
        enabled: true,
      },
      { connection: 'owner' }
    )
    const pile = await owner().from('piles').where('id', fixture.pile.id).firstOrFail()
    const portPath = `/h5/p/${pile.public_code}/1`

    const context = await phoneContext(browser, WECHAT_UA)
    cleanup(() => context.close())

    // WeChat's client: what getBrandWCPayRequest checks before the payer confirms.
    const bridgeCalls: BridgeParams[] = []
    await context.exposeFunction('wechatClientPays', async (params: BridgeParams) => {
      bridgeCalls.push(params)
      const signed = `${params.appId}\n${params.timeStamp}\n${params.nonceStr}\n${params.package}\n`
      const signatureValid = verify(
        'sha256',
        Buffer.from(signed),
        wechatpay.merchantPublicKey!,
        Buffer.from(params.paySign, 'base64')
      )
      const issued = wechatpay
        .jsapiOrdersOf(openid)
        .find((order) => params.package === `prepay_id=${order.prepayId}`)
      if (!signatureValid || params.signType !== 'RSA' || !issued) return false
      // The payer confirms: WeChat Pay posts its signed notification to our webhook.
      await wechatpay.pay(issued.outTradeNo)
      return true
    })
    await context.addInitScript(() => {
      const client = globalThis as unknown as {
        wechatClientPays(params: unknown): Promise<boolean>
        WeixinJSBridge: unknown
      }
      client.WeixinJSBridge = {
        invoke(method: string, params: unknown, done: (answer: { err_msg: string }) => void) {
          if (method !== 'getBrandWCPayRequest') return
          void client.wechatClientPays(params).then((paid) =>
            done({
              err_msg: paid ? 'get_brand_wcpay_request:ok' : 'get_brand_wcpay_request:fail',
            })
          )
        },
      }
    })
    const phone = await context.newPage()

    // Scan: the official account signs the rider in, back on the port page as 游客.
    await phone.goto(portPath)
    await phone.getByTestId('h5-me').waitFor()
    assert.match((await phone.getByTestId('h5-me').textContent()) ?? '', /游客\d{4,}/)
    const [identity] = await owner()
      .from('rider_identities')
      .where({ tenant_id: fixture.tenant.id, provider: 'wechat', subject: openid })
    const riderId = Number(identity.rider_id)
    await phone.getByTestId('h5-real-balance').filter({ hasText: '¥0.00' }).waitFor()

    // 充值: the package, paid in WeChat.
    await phone.getByTestId('h5-topup-link').click()
    await phone.waitForURL('**/h5/topup')
    const fifty = phone.getByTestId('h5-topup-package-5000')
    await fifty.filter({ hasText: '送¥5.00' }).waitFor()
    await fifty.locator('input').check()
    await phone.getByTestId('h5-topup-pay').filter({ hasText: '应付 ¥50.00' }).click()
    await phone.waitForURL(/\/h5\/topup\/P\d+/)
    await polled(phone.getByTestId('h5-topup-status'), '支付成功')
    await polled(phone.getByTestId('h5-topup-balance'), '¥55.00')
    assert.lengthOf(bridgeCalls, 1)
    assert.equal(bridgeCalls[0].appId, payConfig.appId)
    const [payment] = await owner().from('payment_orders').where('rider_id', riderId)
    assert.deepInclude(payment, { status: 'paid', amount: 5000, bonus_amount: 500 })
    assert.deepEqual(await wallet(riderId), { real: 5000, bonus: 500 })
    await assertLedgerVerified(assert)

    // Back to the port: 充满自停, the pile confirms, 30 minutes at 1 元/小时.
    await phone.goto(portPath)
    await phone.getByTestId('h5-real-balance').filter({ hasText: '¥50.00' }).waitFor()
    await phone.getByTestId('h5-bonus-balance').filter({ hasText: '¥5.00' }).waitFor()
    await phone.getByTestId('h5-duration').getByLabel('充满自停').check()
    await phone.getByRole('button', { name: '开始充电' }).click()
    await phone.waitForURL('**/h5/orders/*')
    const orderNo = new URL(phone.url()).pathname.split('/').at(-1)!
    await chargingFor(fixture, orderNo, 30, 75)
    await polled(phone.getByTestId('h5-order-status'), '充电中')

    // Stop, the pile's end record, the bill.
    await phone.getByRole('button', { name: '停止充电' }).click()
    await phone
      .getByTestId('h5-order')
      .filter({ hasText: '已发送停止指令，等待设备结束' })
      .waitFor()
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, orderNo, { minutes: 30, watts: 150, wattHours: 75 })
    )
    await polled(phone.getByTestId('h5-order-status'), '充电完成')
    const line = phone.getByTestId('h5-bill-line')
    await line.filter({ hasText: '时长 30 分钟（¥1.00/1小时）' }).waitFor()
    assert.equal(await phone.getByTestId('h5-bill-total').textContent(), '¥0.50')
    assert.equal(await phone.getByTestId('h5-order-amount').textContent(), '¥0.50')

    // ¥0.50 taken once, from the bonus first (the project's deduction order); nothing left held.
    const order = await owner().from('charging_orders').where('order_no', orderNo).firstOrFail()
    assert.equal(Number(order.amount_fen), 50)
    assert.deepEqual(await wallet(riderId), { real: 5000, bonus: 450 })
    const holds = await owner().from('wallet_holds').where('rider_id', riderId)
    assert.deepEqual(
      holds.map((hold) => hold.status),
      ['settled']
    )
    await assertLedgerVerified(assert)
  }).timeout(120_000)
})
