import { test } from '@japa/runner'
import type { Locator } from 'playwright'
import { resetLoginLimits } from '#tests/helpers/login'
import {
  charging,
  chargingFixture,
  endRecord,
  orderField,
  owner,
  realBalance,
  startSeen,
} from '#tests/functional/charging/helpers'
import { MONTHLY, definePlan } from '#tests/functional/plans/helpers'
import { signInRider } from '#tests/helpers/browser'

/** Waits for a text the page gets by its 3 s poll. */
function polled(locator: Locator, text: string) {
  return locator.filter({ hasText: text }).waitFor({ timeout: 10_000 })
}

test.group('Rider H5: plans in a phone browser', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('buy a 包月 from the balance, then a charge is paid by it (套餐支付)', async ({
    visit,
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 5000 })
    await definePlan(fixture.asAdmin, fixture.project.id, MONTHLY)
    const pile = await owner().from('piles').where('id', fixture.pile.id).firstOrFail()
    const page = await visit(`/h5/p/${pile.public_code}/1`)
    await page.setViewportSize({ width: 390, height: 844 })

    await signInRider(page, fixture, fixture.rider.phone)
    await page.assertText(page.getByTestId('h5-real-balance'), '¥50.00')

    // 套餐 in the bottom bar: the project's plan, bought from the balance.
    await page.getByTestId('h5-nav-plans').click()
    await page.waitForURL('**/h5/plans')
    const offer = page.getByTestId('h5-plan-offer')
    await page.assertTextContains(offer.first(), '包月 30 天')
    await page.assertTextContains(offer.first(), '¥30.00')
    await page.getByTestId('h5-plan-buy').first().click()
    await page.assertTextContains(page.locator('body'), '套餐购买成功')
    await page.assertText(page.getByTestId('h5-plan-left'), '2')
    assert.equal(await realBalance(fixture.rider.id), 2000)

    // Back at the port: the charge starts on the plan and its bill says so.
    await page.goto(`/h5/p/${pile.public_code}/1`)
    await page.getByTestId('h5-duration').getByLabel('充满自停').check()
    await page.getByRole('button', { name: '开始充电' }).click()
    await page.waitForURL('**/h5/orders/*')
    const orderNo = new URL(page.url()).pathname.split('/').at(-1)!
    assert.isNotNull(await orderField(orderNo, 'rider_plan_id'))
    await charging.starts.confirmStart(fixture.system, {
      pileId: fixture.pile.id,
      portNo: 1,
      orderNo,
      at: new Date(Date.now() - 30 * 60_000),
    })
    await startSeen(orderNo, 30 * 60)
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, orderNo, { minutes: 30, watts: 150, wattHours: 75 })
    )
    await polled(page.getByTestId('h5-order-status'), '充电完成')
    await page.assertTextContains(page.getByTestId('h5-order-plan-paid'), '套餐支付')
    await page.assertText(page.getByTestId('h5-order-amount'), '¥0.00')
    assert.equal(await realBalance(fixture.rider.id), 2000)
  }).timeout(60000)
})
