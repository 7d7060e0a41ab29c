import { test } from '@japa/runner'
import type QueueManager from '#core/queue/queue_manager'
import { resetLoginLimits } from '#tests/helpers/login'
import { chargingFixture, owner } from '#tests/functional/charging/helpers'
import { eventually } from '#tests/functional/payments/helpers'
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
} from '../../plugins/notify-wechat/tests/fake_wechat_mp.js'
import { signInRider } from '#tests/helpers/browser'

test.group('H5 消息', (group) => {
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
  group.each.setup(() => resetLoginLimits())

  test('the rider’s phone lists the two messages of a finished charge', async ({ visit }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    await enableWechatNotify(fixture, fake)
    await signedInByWechat(fixture, fake)
    const orderNo = await chargeFor(fixture, 90)
    await eventually(
      () => notificationsOf(fixture.rider.id),
      (rows) => rows.length === 2 && rows.every((row) => row.status === 'sent')
    )

    const pile = await owner().from('piles').where('id', fixture.pile.id).firstOrFail()
    const phone = await visit(`/h5/p/${pile.public_code}/1`)
    await phone.setViewportSize({ width: 390, height: 844 })
    await signInRider(phone, fixture, fixture.rider.phone)
    await phone.assertTextContains(phone.getByTestId('h5-me'), '您好')

    await phone.getByTestId('h5-nav-messages').click()
    await phone.waitForURL('**/h5/messages')
    const messages = phone.getByTestId('h5-message')
    await phone.assertElementsCount(messages, 2)
    // Newest first: the bill, then the start.
    await phone.assertText(messages.nth(0).getByTestId('h5-message-kind'), '充电结束')
    await phone.assertTextContains(messages.nth(0), '微信 · 已发送')
    await phone.assertTextContains(
      messages.nth(0).getByTestId('h5-message-line'),
      `订单 ${orderNo} 充电 90 分钟，扣费 ¥1.50，余额 ¥8.50`
    )
    await phone.assertText(messages.nth(1).getByTestId('h5-message-kind'), '充电开始')
    await phone.assertTextContains(messages.nth(1).getByTestId('h5-message-line'), orderNo)
  })
})
