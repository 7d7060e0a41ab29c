import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import TenantPluginService from '#plugins/tenant_plugins'
import ChargingWatchdog from '#services/orders/charging_watchdog'
import OrderRecords from '#services/orders/order_records'
import type QueueManager from '#core/queue/queue_manager'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import {
  charging,
  chargingFixture,
  endRecord,
  orderRow,
  owner,
  startSeen,
  startedBySwipe,
} from '#tests/functional/charging/helpers'
import { flashError, portPath, signIn, type Fixture } from '#tests/functional/h5/helpers'
import {
  eventually,
  paymentQueueIdle,
  refundsOf,
  startPaymentWorker,
} from '#tests/functional/payments/helpers'
import { runLedgerVerify } from '#tests/functional/wallet/helpers'
import { startSandboxGateway } from '../../../plugins/payment-sandbox/tests/sandbox_harness.js'

/*
| 扫码即充 over real HTTP: the rider pays one charge at the sandbox's mobile
| web page, the signed notification starts it, the pile (driven as the
| gateway reports it) ends it, and the unused part goes back through the
| sandbox's refund API, or stays in the wallet. Money asserted to the fen.
*/

type Gateway = Awaited<ReturnType<typeof startSandboxGateway>>

async function payingFixture(gateway: Gateway, balance = 0) {
  const fixture = await chargingFixture({ balance })
  const registry = await app.container.make('plugins')
  await new TenantPluginService(registry).save(fixture.system, {
    pluginId: 'payment-sandbox',
    projectId: null,
    enabled: true,
    config: gateway.config(),
  })
  const browser = new BrowserSession()
  const path = await portPath(fixture)
  await signIn(browser, fixture, path, fixture.rider.phone)
  return { fixture, browser, path }
}

function paymentsOf(tenantId: number) {
  return owner().from('payment_orders').where('tenant_id', tenantId).orderBy('id')
}

function entriesOf(riderId: number) {
  return owner()
    .from('ledger_entries')
    .where('rider_id', riderId)
    .orderBy('id')
    .select('detail_type', 'real_in', 'real_out', 'bonus_out', 'reference')
}

async function walletReal(riderId: number) {
  const wallet = await owner().from('wallets').where('rider_id', riderId).first()
  return Number(wallet?.real_balance ?? 0)
}

/** 扫码即充 as the port page sends it; the answer leads to the sandbox's page. */
function pay(
  browser: BrowserSession,
  path: string,
  input: Record<string, unknown>,
  key = randomUUID()
) {
  return browser.send(
    'POST',
    `${path}/pay-per-charge`,
    { kind: 'full', restTo: 'original', idempotencyKey: key, ...input },
    path
  )
}

/** Paid at the sandbox; the charge order the notification opened. */
async function paidAndOpened(gateway: Gateway, queue: QueueManager, paymentNo: string) {
  const sent = await gateway.pay(paymentNo)
  const payment = await eventually(
    () => owner().from('payment_orders').where('payment_no', paymentNo).firstOrFail(),
    (row) => row.status === 'paid'
  )
  await paymentQueueIdle(queue)
  const order = await owner().from('charging_orders').where('payment_order_id', payment.id).first()
  return { sent: sent!, payment, order }
}

/** The pile starts the order, charges `minutes` at 150 W (1 元/小时) and sends its end record. */
async function chargeAndEnd(fixture: Fixture, orderNo: string, minutes: number) {
  await charging.starts.confirmStart(fixture.system, {
    pileId: fixture.pile.id,
    portNo: 1,
    orderNo,
    at: new Date(Date.now() - minutes * 60_000),
  })
  await startSeen(orderNo, minutes * 60)
  await charging.ends.settleEnd(
    fixture.system,
    endRecord(fixture, orderNo, { minutes, watts: 150 })
  )
}

test.group('扫码即充 (pay per charge)', (group) => {
  let gateway: Gateway
  let queue: QueueManager

  group.setup(async () => {
    gateway = await startSandboxGateway()
    queue = await startPaymentWorker()
    return async () => {
      await queue.close()
      await gateway.close()
    }
  })
  group.each.setup(() => resetLoginLimits())

  test('¥5.00 paid, billed ¥1.37, ¥3.63 refunded through the provider; repeats change nothing', async ({
    assert,
  }) => {
    const { fixture, browser, path } = await payingFixture(gateway)
    const key = randomUUID()
    const answer = await pay(browser, path, { amount: 500 }, key)
    assert.equal(answer.status, 302)
    assert.match(answer.location!, new RegExp(`^${gateway.url}/`))
    // The page retried: the same payment, nothing opened twice.
    const again = await pay(browser, path, { amount: 500 }, key)
    assert.equal(again.location, answer.location)
    const [opened] = await paymentsOf(fixture.tenant.id)
    assert.lengthOf(await paymentsOf(fixture.tenant.id), 1)
    assert.deepInclude(opened, { purpose: 'charge', amount: 500, status: 'pending' })
    assert.equal(opened.provider_data.mobile.mode, 'h5')
    assert.deepInclude(opened.purpose_data, {
      pileId: fixture.pile.id,
      portNo: 1,
      restTo: 'original',
    })

    // Before it is paid the result page waits.
    const waiting = await browser.props(`/h5/pay-per-charge/${key}`)
    assert.deepInclude(waiting.result, { status: 'pending', orderNo: null })

    const { sent, payment, order } = await paidAndOpened(gateway, queue, opened.payment_no)
    assert.isNotNull(order)
    assert.deepInclude(order, {
      status: 'authorised',
      channel: 'app',
      duration_type: 'full',
      cap_fen: 500,
      rider_id: fixture.rider.id,
    })
    const command = await owner()
      .from('device_commands')
      .where('id', order.start_command_id)
      .first()
    assert.equal(command.command, 'start')
    const shown = await browser.props(`/h5/pay-per-charge/${key}`)
    assert.deepInclude(shown.result, {
      status: 'paid',
      orderNo: order.order_no,
      startFailed: false,
    })

    // 82 minutes at 1 元/小时: 136.67 → ¥1.37.
    await chargeAndEnd(fixture, order.order_no, 82)
    const settled = await orderRow(order.order_no)
    assert.deepInclude(settled, {
      status: 'settled',
      amount_fen: 137,
      rest_returned_fen: 363,
      rest_returned_to: 'original',
    })
    const [refund] = await refundsOf(payment.id)
    assert.deepInclude(refund, { amount: 363, cause: 'charge_rest' })
    await eventually(
      () => refundsOf(payment.id),
      (rows) => rows[0]?.attempts > 0 || rows[0]?.status !== 'pending'
    )
    await gateway.settleRefund(refund.refund_no)
    const refunds = await eventually(
      () => refundsOf(payment.id),
      (rows) => rows[0]?.status === 'succeeded'
    )
    assert.equal(refunds[0].status, 'succeeded')

    const entries = await entriesOf(fixture.rider.id)
    assert.deepEqual(
      entries.map((row) => [row.detail_type, Number(row.real_in), Number(row.real_out)]),
      [
        ['qr_topup', 500, 0],
        ['charge_settlement', 0, 137],
        ['refund', 0, 363],
      ]
    )
    assert.equal(entries[0].reference, opened.payment_no)
    assert.equal(entries[2].reference, opened.payment_no)
    assert.equal(await walletReal(fixture.rider.id), 0)

    // The bill: 预付 ¥5.00, 消费 ¥1.37, 退回 ¥3.63 原路退回.
    const { order: bill } = await browser.props(`/h5/orders/${order.order_no}`)
    assert.deepEqual(bill.prepaid, {
      paidFen: 500,
      consumedFen: 137,
      returnedFen: 363,
      returnedTo: 'original',
    })

    // WeChat and Alipay resend; the watchdog settles again: nothing changes.
    await fetch(sent.url, { method: 'POST', headers: sent.headers, body: sent.rawBody })
    await paymentQueueIdle(queue)
    await charging.settlement.settle(fixture.system, order.order_no)
    assert.lengthOf(await entriesOf(fixture.rider.id), 3)
    assert.lengthOf(await refundsOf(payment.id), 1)
    assert.lengthOf(await owner().from('charging_orders').where('rider_id', fixture.rider.id), 1)
    const row = await owner().from('payment_orders').where('id', payment.id).first()
    assert.equal(row.refunded_amount, 363)
    const verify = await runLedgerVerify()
    assert.equal(verify.code, 0, verify.output)
  }).timeout(90_000)

  test('the rest chosen into the wallet stays there: ¥3.63, no provider refund', async ({
    assert,
  }) => {
    const { fixture, browser, path } = await payingFixture(gateway)
    await pay(browser, path, { amount: 500, restTo: 'wallet' })
    const [opened] = await paymentsOf(fixture.tenant.id)
    const { payment, order } = await paidAndOpened(gateway, queue, opened.payment_no)
    await chargeAndEnd(fixture, order.order_no, 82)

    assert.deepInclude(await orderRow(order.order_no), {
      status: 'settled',
      amount_fen: 137,
      rest_returned_fen: 363,
      rest_returned_to: 'wallet',
    })
    assert.lengthOf(await refundsOf(payment.id), 0)
    assert.equal(await walletReal(fixture.rider.id), 363)
    // 订单 detail, as staff read it: 扫码支付 ¥5.00, 退回 ¥3.63 退回余额.
    const detail = await new OrderRecords(fixture.asAdmin).detail(order.id)
    assert.deepEqual(detail.prepaid, {
      paidFen: 500,
      consumedFen: 137,
      returnedFen: 363,
      returnedTo: 'wallet',
    })
    const entries = await entriesOf(fixture.rider.id)
    assert.deepEqual(
      entries.map((row) => row.detail_type),
      ['qr_topup', 'charge_settlement']
    )
    const verify = await runLedgerVerify()
    assert.equal(verify.code, 0, verify.output)
  }).timeout(60_000)

  test('hours are priced by the tariff: 2 hours at the top band pay ¥4.00', async ({ assert }) => {
    const { fixture, browser, path } = await payingFixture(gateway)
    await pay(browser, path, { kind: 'hours', hours: 2 })
    const [opened] = await paymentsOf(fixture.tenant.id)
    assert.deepInclude(opened, { amount: 400, purpose: 'charge' })
    const { order } = await paidAndOpened(gateway, queue, opened.payment_no)
    assert.deepInclude(order, { duration_type: 'hours', duration_hours: 2, cap_fen: 400 })
  }).timeout(60_000)

  test('a start the pile refuses returns the whole ¥5.00 through the provider', async ({
    assert,
  }) => {
    const { fixture, browser, path } = await payingFixture(gateway)
    await pay(browser, path, { amount: 500 })
    const [opened] = await paymentsOf(fixture.tenant.id)
    const { payment, order } = await paidAndOpened(gateway, queue, opened.payment_no)
    await charging.starts.startFailed(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 1,
      orderNo: order.order_no,
      reason: 'port_busy',
      at: new Date(),
    })
    // A repeat of the pile's answer changes nothing.
    await charging.starts.startFailed(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 1,
      orderNo: order.order_no,
      reason: 'port_busy',
      at: new Date(),
    })
    assert.deepInclude(await orderRow(order.order_no), {
      status: 'cancelled',
      rest_returned_fen: 500,
      rest_returned_to: 'original',
    })
    const refunds = await refundsOf(payment.id)
    assert.lengthOf(refunds, 1)
    assert.deepInclude(refunds[0], { amount: 500, cause: 'charge_rest' })
    assert.equal(await walletReal(fixture.rider.id), 0)
    const verify = await runLedgerVerify()
    assert.equal(verify.code, 0, verify.output)
  }).timeout(60_000)

  test('a start command that failed: the watchdog cancels it, the whole ¥5.00 stays in the wallet as chosen', async ({
    assert,
  }) => {
    const { fixture, browser, path } = await payingFixture(gateway)
    await pay(browser, path, { amount: 500, restTo: 'wallet' })
    const [opened] = await paymentsOf(fixture.tenant.id)
    const { payment, order } = await paidAndOpened(gateway, queue, opened.payment_no)
    await owner()
      .from('device_commands')
      .where('id', order.start_command_id)
      .update({ status: 'timeout' })
    await new ChargingWatchdog().run()
    await new ChargingWatchdog().run()
    assert.deepInclude(await orderRow(order.order_no), {
      status: 'cancelled',
      cancel_reason: 'start_failed',
      rest_returned_fen: 500,
      rest_returned_to: 'wallet',
    })
    assert.lengthOf(await refundsOf(payment.id), 0)
    assert.equal(await walletReal(fixture.rider.id), 500)
    const verify = await runLedgerVerify()
    assert.equal(verify.code, 0, verify.output)
  }).timeout(60_000)

  test('a port taken between paying and the notification: no order, the whole amount back', async ({
    assert,
  }) => {
    const { fixture, browser, path } = await payingFixture(gateway)
    await pay(browser, path, { amount: 300 })
    const [opened] = await paymentsOf(fixture.tenant.id)
    await owner()
      .from('pile_ports')
      .where({ pile_id: fixture.pile.id, port_no: 1 })
      .update({ state: 'charging' })
    const { payment, order } = await paidAndOpened(gateway, queue, opened.payment_no)
    assert.isNull(order ?? null)
    const refunds = await refundsOf(payment.id)
    assert.deepInclude(refunds[0], { amount: 300, cause: 'charge_rest' })
    assert.equal(await walletReal(fixture.rider.id), 0)
    const { result } = await browser.props(`/h5/pay-per-charge/${opened.idempotency_key}`)
    assert.deepInclude(result, { status: 'paid', startFailed: true, orderNo: null })
  }).timeout(60_000)

  test('refusals open nothing: busy port, bad amounts, a second open payment, frozen, signed out', async ({
    assert,
  }) => {
    const { fixture, browser, path } = await payingFixture(gateway, 1000)
    const tenantId = fixture.tenant.id

    // A card charge holds port 1.
    await startedBySwipe(fixture)
    await pay(browser, path, { amount: 500 })
    assert.equal(await flashError(browser, path), '端口正在使用中')
    const otherPort = path.replace(/\/1$/, '/2')

    for (const amount of [99, 5001, 2.5, '500']) {
      const answer = await pay(browser, otherPort, { amount })
      // Back to the page with the field's error, not on to the provider.
      assert.notMatch(answer.location ?? '', new RegExp(`^${gateway.url}`), String(amount))
    }
    assert.lengthOf(await paymentsOf(tenantId), 0)

    // One open payment per rider and port.
    await pay(browser, otherPort, { amount: 500 })
    assert.lengthOf(await paymentsOf(tenantId), 1)
    await pay(browser, otherPort, { amount: 300 })
    assert.lengthOf(await paymentsOf(tenantId), 1)

    await owner().from('riders').where('id', fixture.rider.id).update({ status: 'frozen' })
    const thirdPort = path.replace(/\/1$/, '/3')
    await pay(browser, thirdPort, { amount: 500 })
    assert.lengthOf(await paymentsOf(tenantId), 1)

    const stranger = new BrowserSession()
    await stranger.get(thirdPort)
    const answer = await pay(stranger, thirdPort, { amount: 500 })
    assert.equal(answer.status, 401)
    assert.lengthOf(await paymentsOf(tenantId), 1)
  }).timeout(60_000)

  test('tenant walls: another rider, of this tenant or another, gets 404 for a result page', async ({
    assert,
  }) => {
    const { fixture, browser, path } = await payingFixture(gateway)
    const key = randomUUID()
    await pay(browser, path, { amount: 500 }, key)
    const mine = await browser.get(`/h5/pay-per-charge/${key}`)
    assert.equal(mine.status, 200)

    const away = await payingFixture(gateway)
    assert.notEqual(away.fixture.tenant.id, fixture.tenant.id)
    for (const url of [`/h5/pay-per-charge/${key}`, '/h5/pay-per-charge/not-a-key']) {
      const answer = await away.browser.get(url)
      assert.equal(answer.status, 404, url)
    }
    // Paying at another tenant's port with this session: signed out there.
    const answer = await pay(away.browser, path, { amount: 500 })
    assert.equal(answer.status, 401)
    assert.lengthOf(await paymentsOf(fixture.tenant.id), 1)
  }).timeout(60_000)
})
