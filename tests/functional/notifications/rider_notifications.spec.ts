import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import type QueueManager from '#core/queue/queue_manager'
import TenantContext from '#core/tenancy/tenant_context'
import NotificationDelivery from '#services/notifications/notification_delivery'
import { DELIVER_NOTIFICATION, NOTIFY_ATTEMPTS } from '#services/notifications/notification_queue'
import { BrowserSession } from '#tests/helpers/login'
import {
  charging,
  chargingFixture,
  orderRow,
  owner,
  startedBySwipe,
} from '#tests/functional/charging/helpers'
import { portPath, signIn } from '#tests/functional/h5/helpers'
import { eventually } from '#tests/functional/payments/helpers'
import WalletService from '#core/wallet/wallet_service'
import {
  chargeFor,
  enableWechatNotify,
  notificationsOf,
  signedInByWechat,
  startNotificationWorker,
} from '#tests/functional/notifications/helpers'
import {
  startFakeWechatMp,
  type FakeWechatMp,
} from '../../../plugins/notify-wechat/tests/fake_wechat_mp.js'

/*
| Rider notifications through the real charging path: the gateway's entry
| points commit the order, the notifier records and queues, a real worker
| sends through the notify-wechat plugin to a local WeChat fake, or through
| the sms-log plugin. No global transaction: the checks read what committed.
*/

async function smsInbox(tenantId: number, phone: string) {
  const registry = await app.container.make('plugins')
  const inbox = await registry.instantiate(registry.find('sms-log', 'sms')!, {}, { tenantId })
  return inbox.lastNotice?.(phone) ?? null
}

test.group('Rider notifications: sent by the worker', (group) => {
  let fake: FakeWechatMp
  let queue: QueueManager
  group.setup(async () => {
    fake = await startFakeWechatMp()
    queue = await startNotificationWorker()
    return async () => {
      await queue.close()
      await fake.close()
    }
  })

  test('a WeChat rider is told of the start and of the bill to the fen, once however often the order settles', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    await enableWechatNotify(fixture, fake)
    const openId = await signedInByWechat(fixture, fake)

    const orderNo = await chargeFor(fixture, 90)
    const order = await orderRow(orderNo)
    assert.equal(order.status, 'settled')
    assert.equal(order.amount_fen, 150)

    const mine = () => fake.messages.filter((message) => message.touser === openId)
    const received = await eventually(
      async () => mine(),
      (messages) => messages.length >= 2
    )
    assert.deepEqual(
      received.map((message) => message.template_id),
      ['tpl-started', 'tpl-finished']
    )
    const finished = received[1]
    assert.equal(finished.data.keyword1.value, orderNo)
    assert.equal(finished.data.keyword4.value, '¥1.50')
    assert.equal(finished.data.keyword5.value, '¥8.50')
    assert.match(finished.url!, new RegExp(`/h5/orders/${orderNo}$`))

    // Settled again, and the end record resent: nothing more is recorded or sent.
    await charging.settlement.settle(fixture.system, orderNo)
    await charging.ends.settleEnd(fixture.system, {
      pileId: fixture.pile.id,
      deviceKey: fixture.deviceKey,
      portNo: 1,
      orderNo,
      endedAt: new Date(),
      durationSeconds: 90 * 60,
      energyWattHours: 225,
      maxPowerDeciwatts: 1500,
      stopReason: 'full',
      rawStopCode: '1',
    })
    const rows = await notificationsOf(fixture.rider.id)
    assert.deepEqual(
      rows.map((row) => [row.kind, row.channel, row.status]),
      [
        ['charge_started', 'wechat', 'sent'],
        ['charge_finished', 'wechat', 'sent'],
      ]
    )
    assert.lengthOf(mine(), 2)
  })

  test('a rider without WeChat gets the bill by SMS, and no SMS for the start', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    await enableWechatNotify(fixture, fake)

    const orderNo = await chargeFor(fixture, 90)
    const rows = await eventually(
      () => notificationsOf(fixture.rider.id),
      (found) => found.length === 1 && found[0].status !== 'pending'
    )
    assert.deepEqual(
      rows.map((row) => [row.kind, row.channel, row.status]),
      [['charge_finished', 'sms', 'sent']]
    )
    const sms = await smsInbox(fixture.tenant.id, fixture.rider.phone)
    assert.equal(sms?.kind, 'charge_finished')
    assert.include(sms!.text, orderNo)
    assert.include(sms!.text, '扣费1.50元')
    assert.include(sms!.text, '余额8.50元')
  })

  test('the H5 消息 page lists the rider’s messages only, in the rider’s tenant; signed out it asks to sign in', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const orderNo = await chargeFor(fixture, 90)
    await eventually(
      () => notificationsOf(fixture.rider.id),
      (found) => found.length === 1 && found[0].status === 'sent'
    )

    const signedOut = await new BrowserSession().get('/h5/messages')
    assert.equal(signedOut.status, 401)
    assert.equal(signedOut.page!.component, 'h5/signed_out')

    const browser = new BrowserSession()
    await signIn(browser, fixture, await portPath(fixture), fixture.rider.phone)
    const { messages } = await browser.props('/h5/messages')
    assert.lengthOf(messages, 1)
    assert.deepInclude(messages[0], {
      kind: 'charge_finished',
      channel: 'sms',
      status: 'sent',
      orderNo,
    })
    assert.equal(messages[0].fields.amountFen, 150)

    // A rider of another tenant, signed in at that tenant's pile, sees none of it.
    const other = await chargingFixture({ balance: 1000 })
    const stranger = new BrowserSession()
    await signIn(stranger, other, await portPath(other), other.rider.phone)
    const strangers = await stranger.props('/h5/messages')
    assert.deepEqual(strangers.messages, [])
  })
})

test.group('Rider notifications: recorded and retried', () => {
  test('a failing provider is retried with backoff, then the message is failed with WeChat’s code', async ({
    assert,
  }) => {
    const fake = await startFakeWechatMp()
    try {
      const fixture = await chargingFixture({ balance: 1000 })
      await enableWechatNotify(fixture, fake)
      await signedInByWechat(fixture, fake)
      fake.failSends(100, 45009, 'reach max api daily quota limit')

      await chargeFor(fixture, 90)
      const [started] = await notificationsOf(fixture.rider.id)
      assert.equal(started.kind, 'charge_started')

      // Queued once per message, with its tries and backoff.
      const queue = await app.container.make('queue')
      const queued = await queue.queue(DELIVER_NOTIFICATION.queue).getJobs(['waiting', 'delayed'])
      const job = queued.find(
        (candidate) =>
          candidate.data.tenantId === fixture.tenant.id &&
          candidate.data.notificationId === Number(started.id)
      )
      assert.equal(job?.opts.attempts, NOTIFY_ATTEMPTS)
      assert.deepInclude(job?.opts.backoff as object, { type: 'exponential' })

      // The worker's tries, as it makes them: each but the last fails for a retry.
      const delivery = new NotificationDelivery()
      const tenant = TenantContext.forJob(fixture.tenant.id)
      for (let attempt = 1; attempt < NOTIFY_ATTEMPTS; attempt++) {
        await assert.rejects(() => delivery.deliver(tenant, started.id, attempt))
        const row = await owner().from('rider_notifications').where('id', started.id).first()
        assert.include(row, { status: 'pending', attempts: attempt, error_code: '45009' })
      }
      assert.deepEqual(await delivery.deliver(tenant, started.id, NOTIFY_ATTEMPTS), {
        status: 'failed',
      })
      const failed = await owner().from('rider_notifications').where('id', started.id).first()
      assert.include(failed, { status: 'failed', attempts: NOTIFY_ATTEMPTS, error_code: '45009' })
      // Never the provider's text.
      assert.notInclude(JSON.stringify(failed), 'quota')
      // A failed message is not tried again.
      assert.deepEqual(await delivery.deliver(tenant, started.id, 1), { status: 'skipped' })
      assert.lengthOf(fake.messages, 0)
    } finally {
      await fake.close()
    }
  })

  test('low balance is told once per crossing of the tenant’s threshold (¥2.00)', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 250 })
    const lows = async () => {
      const rows = await notificationsOf(fixture.rider.id)
      return rows.filter((row) => row.kind === 'low_balance')
    }

    const first = await chargeFor(fixture, 90) // 250 → 100: crosses ¥2.00
    const crossed = await lows()
    assert.deepEqual(
      crossed.map((row) => [row.order_no, row.fields.balanceFen, row.fields.thresholdFen]),
      [[first, 100, 200]]
    )
    await chargeFor(fixture, 30) // 100 → 50: still under, no second message
    assert.lengthOf(await lows(), 1)

    await new WalletService().topUpCash(fixture.asAdmin, {
      riderId: fixture.rider.id,
      projectId: fixture.project.id,
      realAmount: 250,
      idempotencyKey: `low-balance:${fixture.rider.id}`,
    })
    const again = await chargeFor(fixture, 180) // 300 → 0: a new crossing
    const crossings = await lows()
    assert.deepEqual(
      crossings.map((row) => row.order_no),
      [first, again]
    )
    assert.isTrue(crossings.every((row) => row.channel === 'sms'))
  })

  test('a charge stopped abnormally is told, once, by SMS to a rider without WeChat', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const orderNo = await startedBySwipe(fixture)
    await charging.ends.pileWentOffline(fixture.system, fixture.pile.id, new Date())
    await charging.ends.pileWentOffline(fixture.system, fixture.pile.id, new Date())
    const rows = await notificationsOf(fixture.rider.id)
    assert.deepEqual(
      rows.map((row) => [row.kind, row.channel, row.order_no, row.fields.reason]),
      [['charge_abnormal', 'sms', orderNo, 'pile_offline']]
    )
    assert.equal(rows[0].fields.reasonText, '充电桩离线')
  })
})
