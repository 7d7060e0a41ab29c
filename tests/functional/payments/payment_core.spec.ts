import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { followUpPaymentsJob } from '#jobs/payment_jobs'
import RiderRefundService from '#services/finance/rider_refund_service'
import type QueueManager from '#core/queue/queue_manager'
import type { PaymentGatewayHarness } from '#sdk/testing/payment_contract'
import { entriesOf, walletOf } from '#tests/functional/wallet/helpers'
import { startSandboxGateway } from '../../../plugins/payment-sandbox/tests/sandbox_harness.js'
import { startFakeWechatpay } from '../../../plugins/payment-wechatpay/tests/fake_wechatpay.js'
import { startFakeAlipay } from '../../../plugins/payment-alipay/tests/fake_alipay.js'
import {
  eventually,
  orderRow,
  paymentFixture,
  paymentQueueIdle,
  refundsOf,
  rejectionsOf,
  startPaymentWorker,
  webhookRefusalsOf,
} from './helpers.js'

/** Each provider's local gateway, speaking its real wire format and signatures. */
const GATEWAYS: { pluginId: string; start(): Promise<PaymentGatewayHarness> }[] = [
  { pluginId: 'payment-sandbox', start: () => startSandboxGateway() },
  { pluginId: 'payment-wechatpay', start: () => startFakeWechatpay() },
  { pluginId: 'payment-alipay', start: () => startFakeAlipay() },
]

for (const { pluginId, start } of GATEWAYS) {
  test.group(`payment core through ${pluginId}`, (group) => {
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

    test('a paid notification credits the top-up once, bonus included', async ({ assert }) => {
      const fixture = await paymentFixture(pluginId, gateway)
      const order = await fixture.open(5000, 100)
      assert.equal(order.status, 'pending')
      assert.match(order.codeUrl!, /./)

      const sent = await gateway.pay(order.paymentNo)
      assert.isNotNull(sent)
      const paid = await eventually(
        () => orderRow(order.paymentNo),
        (row) => row.status === 'paid'
      )
      assert.equal(paid.status, 'paid')
      assert.isNotNull(paid.notified_at)
      const wallet = await walletOf(fixture.rider.id)
      assert.deepInclude(wallet, { real_balance: 5000, bonus_balance: 100 })
      const entries = await entriesOf(fixture.rider.id)
      assert.lengthOf(entries, 1)
      assert.deepInclude(entries[0], {
        detail_type: 'qr_topup',
        real_in: 5000,
        bonus_in: 100,
        reference: order.paymentNo,
      })
    })

    test('the same notification replayed 20 times at once credits once', async ({ assert }) => {
      const fixture = await paymentFixture(pluginId, gateway)
      const order = await fixture.open(1200)
      const sent = (await gateway.pay(order.paymentNo))!
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          fetch(sent.url, { method: 'POST', headers: sent.headers, body: sent.rawBody })
        )
      )
      assert.isTrue(answers.every((answer) => answer.ok))
      await paymentQueueIdle(queue)
      await eventually(
        () => orderRow(order.paymentNo),
        (row) => row.status === 'paid'
      )
      assert.lengthOf(await entriesOf(fixture.rider.id), 1)
      assert.deepInclude(await walletOf(fixture.rider.id), { real_balance: 1200 })
    })

    test('a tampered body, a wrong key, amount or merchant are refused and change nothing', async ({
      assert,
    }) => {
      const fixture = await paymentFixture(pluginId, gateway)
      const orders = await Promise.all([fixture.open(500), fixture.open(500), fixture.open(500)])

      const wrongAmount = (await gateway.pay(orders[0].paymentNo, { amount: 1 }))!
      const wrongMerchant = (await gateway.pay(orders[1].paymentNo, { merchantId: 'm-other-1' }))!
      const forged = (await gateway.pay(orders[2].paymentNo, { forgeSignature: true }))!
      const tampered = wrongAmount.rawBody.replace(/\d/, (digit) =>
        String((Number(digit) + 1) % 10)
      )
      for (const [sent, body] of [
        [wrongAmount, wrongAmount.rawBody],
        [wrongMerchant, wrongMerchant.rawBody],
        [forged, forged.rawBody],
        [wrongAmount, tampered],
      ] as const) {
        const answer = await fetch(sent.url, { method: 'POST', headers: sent.headers, body })
        assert.isAtLeast(answer.status, 400, body)
        assert.isBelow(answer.status, 500, body)
      }

      await paymentQueueIdle(queue)
      for (const order of orders) {
        const row = await orderRow(order.paymentNo)
        assert.equal(row.status, 'pending')
        assert.isNull(row.notified_at)
      }
      assert.lengthOf(await entriesOf(fixture.rider.id), 0)
      // Signed but wrong (each sent by the gateway, then again): audited; forged (sent twice)
      // or tampered: only counted.
      assert.equal(await rejectionsOf(fixture.tenant.id), 4)
      assert.equal(await webhookRefusalsOf(fixture.settingId), 3)
    })

    test('a payment whose notification was lost is settled by the follow-up job', async ({
      assert,
    }) => {
      const fixture = await paymentFixture(pluginId, gateway)
      const order = await fixture.open(800)
      assert.isNull(await gateway.pay(order.paymentNo, { notify: false }))
      assert.propertyVal(await orderRow(order.paymentNo), 'status', 'pending')

      await followUpPaymentsJob.handle({ quietSeconds: 0 }, { attempt: 1, jobId: undefined })
      const row = await orderRow(order.paymentNo)
      assert.equal(row.status, 'paid')
      assert.isNull(row.notified_at)
      assert.deepInclude(await walletOf(fixture.rider.id), { real_balance: 800 })
    })

    test('an expired order is closed, and money landing on a closed order is refunded', async ({
      assert,
    }) => {
      const fixture = await paymentFixture(pluginId, gateway)
      const expiring = await fixture.open(300)
      await db
        .connection('owner')
        .from('payment_orders')
        .where('id', expiring.id)
        .update({ expires_at: new Date(Date.now() - 1000) })
      await followUpPaymentsJob.handle({ quietSeconds: 0 }, { attempt: 1, jobId: undefined })
      const closed = await orderRow(expiring.paymentNo)
      assert.equal(closed.status, 'closed')
      assert.isNotNull(closed.closed_at)

      // Closed on our side while the payer's money went through at the provider.
      const raced = await fixture.open(400)
      await db
        .connection('owner')
        .from('payment_orders')
        .where('id', raced.id)
        .update({ status: 'closed', closed_at: new Date() })
      await gateway.pay(raced.paymentNo)
      const late = await eventually(
        () => orderRow(raced.paymentNo),
        (row) => row.late_paid_at !== null
      )
      assert.equal(late.status, 'closed')
      assert.equal(late.refunded_amount, 400)
      const [refund] = await refundsOf(raced.id)
      assert.deepInclude(refund, { cause: 'late_payment', amount: 400 })
      await eventually(
        () => refundsOf(raced.id),
        ([row]) => row.attempts > 0
      )
      await gateway.settleRefund(refund.refund_no)
      await eventually(
        () => refundsOf(raced.id),
        ([row]) => row.status === 'succeeded'
      )
      await followUpPaymentsJob.handle({ quietSeconds: 0 }, { attempt: 1, jobId: undefined })
      const [settled] = await refundsOf(raced.id)
      assert.equal(settled.status, 'succeeded')
      assert.lengthOf(await entriesOf(fixture.rider.id), 0)
    })

    test("a refund's notification before its payment's notification credits nothing twice", async ({
      assert,
    }) => {
      const fixture = await paymentFixture(pluginId, gateway)
      const order = await fixture.open(1000)
      const held = (await gateway.pay(order.paymentNo, { deliver: false }))!
      await followUpPaymentsJob.handle({ quietSeconds: 0 }, { attempt: 1, jobId: undefined })
      assert.propertyVal(await orderRow(order.paymentNo), 'status', 'paid')

      const refunded = await new RiderRefundService().refund(fixture.asStaff, {
        riderId: fixture.rider.id,
        projectId: fixture.project.id,
        amount: 600,
        reason: '用户申请退款',
        channel: 'original',
        idempotencyKey: `refund-${order.paymentNo}`,
      })
      assert.equal(refunded.providerRefunds, 1)
      const [refund] = await eventually(
        () => refundsOf(order.id),
        ([row]) => row?.attempts > 0
      )
      await gateway.settleRefund(refund.refund_no)
      await eventually(
        () => refundsOf(order.id),
        ([row]) => row.status === 'succeeded'
      )
      // The payment's own notification comes last, long after.
      const late = await fetch(held.url, {
        method: 'POST',
        headers: held.headers,
        body: held.rawBody,
      })
      assert.isTrue(late.ok)
      await paymentQueueIdle(queue)

      const entries = await entriesOf(fixture.rider.id)
      assert.deepEqual(
        entries.map((entry) => entry.detail_type),
        ['qr_topup', 'refund']
      )
      assert.deepInclude(await walletOf(fixture.rider.id), { real_balance: 400 })
      assert.propertyVal(await orderRow(order.paymentNo), 'refunded_amount', 600)
    })
  })
}
