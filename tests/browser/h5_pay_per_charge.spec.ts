import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import type { Locator } from 'playwright'
import TenantPluginService from '#plugins/tenant_plugins'
import { resetLoginLimits } from '#tests/helpers/login'
import {
  charging,
  chargingFixture,
  endRecord,
  owner,
  realBalance,
  startSeen,
} from '#tests/functional/charging/helpers'
import { refundsOf, startPaymentWorker } from '#tests/functional/payments/helpers'
import { signInRider } from '#tests/helpers/browser'

/*
| 扫码即充 on a phone-sized screen: sign in by SMS, pay ¥5.00 on the
| sandbox's mobile pay page, charge (the pile's part played by the charging
| service, as the gateway does), stop, and read what came back on the bill.
*/

/** Waits for a text the page gets by its poll (longer than an assertion's 5 s retries allow for). */
function polled(locator: Locator, text: string) {
  return locator.filter({ hasText: text }).waitFor({ timeout: 15_000 })
}

test.group('扫码即充 in a phone browser', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('sign in, pay ¥5.00 at the sandbox, charge, stop: the bill shows 退回 ¥3.63', async ({
    visit,
    assert,
  }) => {
    const queue = await startPaymentWorker()
    try {
      const fixture = await chargingFixture({ balance: 0 })
      const registry = await app.container.make('plugins')
      await new TenantPluginService(registry).save(fixture.system, {
        pluginId: 'payment-sandbox',
        projectId: null,
        enabled: true,
        config: { merchantId: `bt-ppc-${fixture.tenant.id}`, signingKey: 'browser-test-key' },
      })
      const pile = await owner().from('piles').where('id', fixture.pile.id).firstOrFail()
      const page = await visit(`/h5/p/${pile.public_code}/1`)
      await page.setViewportSize({ width: 390, height: 844 })

      await signInRider(page, fixture, fixture.rider.phone)
      await page.assertText(page.getByTestId('h5-real-balance'), '¥0.00')

      // 扫码即充: 充满自停 with ¥5.00 prepaid, the rest back to the payment (the defaults).
      const card = page.getByTestId('h5-pay-per-charge')
      await card.getByTestId('h5-ppc-amount-500').click()
      await page.assertText(card.getByTestId('h5-ppc-pay'), '支付 ¥5.00 并充电')
      await card.getByTestId('h5-ppc-pay').click()

      // The sandbox's mobile pay page, then back to ours.
      await page.waitForURL('**/plugins/payment-sandbox/**')
      await page.getByText('¥5.00').first().waitFor()
      await page.getByRole('button', { name: '支付', exact: true }).click()
      await page.getByText('支付成功').first().waitFor()
      await page.getByRole('link', { name: '返回商户' }).click()
      await page.waitForURL('**/h5/orders/*', { timeout: 20_000 })
      const orderNo = new URL(page.url()).pathname.split('/').at(-1)!

      await charging.starts.confirmStart(fixture.system, {
        pileId: fixture.pile.id,
        portNo: 1,
        orderNo,
        at: new Date(Date.now() - 82 * 60_000),
      })
      await startSeen(orderNo, 82 * 60)
      await polled(page.getByTestId('h5-order-status'), '充电中')
      await page.getByRole('button', { name: '停止充电' }).click()
      await page.assertTextContains(page.getByTestId('h5-order'), '已发送停止指令')

      // 82 minutes at 1 元/小时: ¥1.37 billed, ¥3.63 back.
      await charging.ends.settleEnd(
        fixture.system,
        endRecord(fixture, orderNo, { minutes: 82, watts: 150 })
      )
      await polled(page.getByTestId('h5-order-status'), '充电完成')
      await page.assertText(page.getByTestId('h5-bill-total'), '¥1.37')
      await page.assertText(page.getByTestId('h5-prepaid-paid'), '¥5.00')
      await page.assertText(page.getByTestId('h5-prepaid-consumed'), '¥1.37')
      await page.assertTextContains(page.getByTestId('h5-prepaid-returned'), '¥3.63')
      await page.assertTextContains(page.getByTestId('h5-prepaid-returned'), '原路退回')

      assert.equal(await realBalance(fixture.rider.id), 0)
      const payment = await owner()
        .from('payment_orders')
        .where({ tenant_id: fixture.tenant.id, purpose: 'charge' })
        .firstOrFail()
      const [refund] = await refundsOf(payment.id)
      assert.equal(refund.amount, 363)
    } finally {
      await queue.close()
    }
  }).timeout(120_000)
})
