import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import QrPaymentService, {
  mobilePaymentOf,
  type MobilePaymentFields,
} from '#services/finance/qr_payment_service'
import type QueueManager from '#core/queue/queue_manager'
import type { PaymentGatewayHarness } from '#sdk/testing/payment_contract'
import { entriesOf, runLedgerVerify, walletOf } from '#tests/functional/wallet/helpers'
import { startSandboxGateway } from '../../../plugins/payment-sandbox/tests/sandbox_harness.js'
import { startFakeWechatpay } from '../../../plugins/payment-wechatpay/tests/fake_wechatpay.js'
import { startFakeAlipay } from '../../../plugins/payment-alipay/tests/fake_alipay.js'
import {
  eventually,
  orderRow,
  paymentFixture,
  paymentQueueIdle,
  startPaymentWorker,
} from './helpers.js'

/*
| A top-up opened from the rider's phone (JSAPI inside WeChat or Alipay,
| the sandbox's stand-in in development) goes through the same payment
| core as a QR one: one order, paid by the provider's signed notification,
| credited once.
*/

const GATEWAYS: {
  pluginId: string
  start(): Promise<PaymentGatewayHarness>
  bridge: string
}[] = [
  { pluginId: 'payment-sandbox', start: () => startSandboxGateway(), bridge: 'sandbox' },
  { pluginId: 'payment-wechatpay', start: () => startFakeWechatpay(), bridge: 'WeixinJSBridge' },
  { pluginId: 'payment-alipay', start: () => startFakeAlipay(), bridge: 'AlipayJSBridge' },
]

const JSAPI: MobilePaymentFields = { mode: 'jsapi', payerId: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' }

function ordersOf(tenantId: number) {
  return db.connection('owner').from('payment_orders').where('tenant_id', tenantId)
}

for (const { pluginId, start, bridge } of GATEWAYS) {
  test.group(`mobile top-up through ${pluginId}`, (group) => {
    let gateway: PaymentGatewayHarness
    let queue: QueueManager

    group.setup(async () => {
      gateway = await start()
      queue = await startPaymentWorker()
      return async () => {
        await queue.close()
        await gateway.close()
      }
    })

    test('a JSAPI top-up is paid by the notification and credited once, ledger verified', async ({
      assert,
    }) => {
      const fixture = await paymentFixture(pluginId, gateway)
      const payments = new QrPaymentService()
      const input = {
        purpose: 'topup' as const,
        projectId: fixture.project.id,
        riderId: fixture.rider.id,
        amount: 3000,
        bonusAmount: 200,
        description: '充值 30.00 元',
        idempotencyKey: randomUUID(),
        payment: JSAPI,
      }
      const order = await payments.startMobile(fixture.asStaff, input)
      assert.equal(order.status, 'pending')
      assert.isNull(order.codeUrl)
      assert.deepInclude(mobilePaymentOf(order), { mode: 'jsapi', bridge })

      // The page retried: the same order and the same parameters, nothing opened twice.
      const again = await payments.startMobile(fixture.asStaff, input)
      assert.equal(again.id, order.id)
      assert.deepEqual(mobilePaymentOf(again), mobilePaymentOf(order))
      assert.lengthOf(await ordersOf(fixture.tenant.id), 1)

      const sent = (await gateway.pay(order.paymentNo))!
      await eventually(
        () => orderRow(order.paymentNo),
        (row) => row.status === 'paid'
      )
      // WeChat and Alipay resend; a repeat changes nothing.
      await fetch(sent.url, { method: 'POST', headers: sent.headers, body: sent.rawBody })
      await paymentQueueIdle(queue)

      const row = await orderRow(order.paymentNo)
      assert.equal(row.status, 'paid')
      assert.equal(row.provider_data.mobile.mode, 'jsapi')
      assert.deepInclude(await walletOf(fixture.rider.id), {
        real_balance: 3000,
        bonus_balance: 200,
      })
      const entries = await entriesOf(fixture.rider.id)
      assert.lengthOf(entries, 1)
      assert.deepInclude(entries[0], { real_in: 3000, bonus_in: 200, reference: order.paymentNo })
      const verify = await runLedgerVerify()
      assert.equal(verify.code, 0, verify.output)
    }).timeout(60_000)
  })
}

test.group('mobile top-up refusals', (group) => {
  let gateway: PaymentGatewayHarness

  group.setup(async () => {
    gateway = await startFakeWechatpay()
    return () => gateway.close()
  })

  test('a mode the enabled plugin does not offer is refused and writes nothing', async ({
    assert,
  }) => {
    // A WeChat merchant without H5 支付 granted.
    const withoutH5 = { ...gateway, config: () => ({ ...gateway.config(), h5Enabled: false }) }
    const fixture = await paymentFixture('payment-wechatpay', withoutH5)
    const refusal = await new QrPaymentService()
      .startMobile(fixture.asStaff, {
        purpose: 'topup',
        projectId: fixture.project.id,
        riderId: fixture.rider.id,
        amount: 1000,
        description: '充值 10.00 元',
        idempotencyKey: randomUUID(),
        payment: { mode: 'h5', payerIp: '203.0.113.7', returnUrl: 'https://a.example/r' },
      })
      .catch((error: unknown) => error)
    assert.propertyVal(refusal, 'reason', 'modeUnsupported')
    assert.lengthOf(await ordersOf(fixture.tenant.id), 0)
  })
})
