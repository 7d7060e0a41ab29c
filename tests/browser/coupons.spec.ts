import { test } from '@japa/runner'
import type { Browser, Locator } from 'playwright'
import { resetLoginLimits } from '#tests/helpers/login'
import { logIn, signInRider } from '#tests/helpers/browser'
import {
  charging,
  chargingFixture,
  endRecord,
  orderField,
  owner,
  realBalance,
  startSeen,
} from '#tests/functional/charging/helpers'
import { batchInput, couponsAs } from '#tests/functional/coupons/helpers'

/*
| 优惠券 on a phone-sized screen: a rider holding a ¥2.00 coupon charges,
| the H5 bill shows the coupon line, 我的优惠券 shows it used, and staff see
| it in 订单 detail. The gateway's part is played by the charging service.
*/

/** Waits for a text the page gets by its 3 s poll. */
function polled(locator: Locator, text: string) {
  return locator.filter({ hasText: text }).waitFor({ timeout: 10_000 })
}

function staffBrowser(browser: Browser) {
  return browser.newContext({
    baseURL: `http://${process.env.HOST}:${process.env.PORT}`,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  })
}

test.group('优惠券 in a phone browser', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('a rider with a ¥2.00 coupon charges ¥3.50 and pays ¥1.50; staff see the coupon', async ({
    visit,
    browser,
    cleanup,
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const coupons = couponsAs(fixture.asAdmin)
    await coupons.issue(await coupons.create(batchInput(fixture.project.id)), [fixture.rider.phone])
    const pile = await owner().from('piles').where('id', fixture.pile.id).firstOrFail()
    const phone = await visit(`/h5/p/${pile.public_code}/1`)
    await phone.setViewportSize({ width: 390, height: 844 })

    await signInRider(phone, fixture, fixture.rider.phone)
    await phone.assertText(phone.getByTestId('h5-real-balance'), '¥10.00')

    // 我的优惠券 before the charge: unused.
    await phone.getByTestId('h5-nav-coupons').click()
    await phone.assertPath('/h5/coupons')
    const coupon = phone.getByTestId('h5-coupon').first()
    await phone.assertTextContains(coupon, '立减 ¥2.00')
    await phone.assertText(coupon.getByTestId('h5-coupon-status'), '未使用')
    await phone.goBack()

    await phone.getByTestId('h5-duration').getByLabel('充满自停').check()
    await phone.getByRole('button', { name: '开始充电' }).click()
    await phone.waitForURL('**/h5/orders/*')
    const orderNo = new URL(phone.url()).pathname.split('/').at(-1)!
    await charging.starts.confirmStart(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 1,
      orderNo,
      at: new Date(Date.now() - 4 * 3600_000),
    })
    await startSeen(orderNo, 4 * 3600)
    // 3 h 30 min at 100 W, 1 元/小时: ¥3.50.
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, orderNo, { minutes: 210, watts: 100 })
    )
    await polled(phone.getByTestId('h5-order-status'), '充电完成')
    await phone.assertTextContains(phone.getByTestId('h5-bill-line').first(), '¥3.50')
    await phone.assertTextContains(phone.getByTestId('h5-bill-coupon'), '优惠券')
    await phone.assertTextContains(phone.getByTestId('h5-bill-coupon'), '−¥2.00')
    await phone.assertText(phone.getByTestId('h5-bill-total'), '¥1.50')
    await phone.assertText(phone.getByTestId('h5-order-amount'), '¥1.50')
    assert.equal(await realBalance(fixture.rider.id), 850)

    await phone.getByTestId('h5-nav-coupons').click()
    await phone.assertText(
      phone.getByTestId('h5-coupon').first().getByTestId('h5-coupon-status'),
      '已使用'
    )

    // Staff, in their own browser: the coupon line in 订单 detail.
    const context = await staffBrowser(browser)
    cleanup(() => context.close())
    const desk = await logIn(context.visit.bind(context), fixture.staff.account, fixture.password)
    const orderId = await orderField(orderNo, 'id')
    await desk.goto(`/orders/${orderId}`)
    await desk.assertTextContains(desk.getByTestId('order-bill-coupon'), '−¥2.00')
    await desk.assertTextContains(desk.getByTestId('order-bill'), '¥1.50')
  }).timeout(90000)
})
