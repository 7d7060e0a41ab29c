import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import { logIn } from '#tests/helpers/browser'
import { resetLoginLimits } from '#tests/helpers/login'
import { financeFixture } from '#tests/functional/finance/helpers'

test.group('财务 pages', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('finance staff run 立即对账 for yesterday, see its difference, and find a payment by phone', async ({
    visit,
  }) => {
    const fixture = await financeFixture(['finance'])
    const alice = await fixture.rider()
    const bob = await fixture.rider()
    // The sandbox learns the merchant from a first real order; Bob's is only opened.
    await fixture.onboardSandbox(bob.id)
    const yesterdayNoon = DateTime.now()
      .setZone('Asia/Shanghai')
      .minus({ days: 1 })
      .set({ hour: 12 })
    // Paid in our records only: the sandbox's bill of yesterday lacks it.
    const oursOnly = await fixture.payment({
      riderId: alice.id,
      amount: 4321,
      createdAt: yesterdayNoon.toJSDate(),
    })

    const page = await logIn(visit, fixture.staff.account, fixture.password)
    await page.goto('/finance/reconciliation')
    await page.getByTestId('reconcile-now').click()
    await page.assertTextContains(page.getByTestId('flash'), '1 条差异')
    const run = page.getByTestId('reconciliation-runs').locator('tbody tr').first()
    await page.assertTextContains(run, yesterdayNoon.toISODate()!)
    await page.assertTextContains(run, '有差异')
    const differences = page.getByTestId('reconciliation-differences').locator('tbody tr')
    await page.assertElementsCount(differences, 1)
    await page.assertTextContains(differences.first(), '对方缺失')
    await page.assertTextContains(differences.first(), oursOnly.paymentNo)
    await page.assertTextContains(differences.first(), '¥43.21')

    await page.goto('/finance/payments')
    await page.assertElementsCount(page.getByTestId('payments-table').locator('tbody tr'), 2)
    await page.getByLabel('手机号', { exact: true }).fill(alice.phone!)
    await page.getByTestId('payments-search').click()
    await page.waitForURL(`**/finance/payments?phone=${alice.phone}`)
    const rows = page.getByTestId('payments-table').locator('tbody tr')
    await page.assertElementsCount(rows, 1)
    await page.assertTextContains(rows.first(), oursOnly.paymentNo)
    await page.assertTextContains(rows.first(), alice.name)
    await page.assertTextContains(rows.first(), '¥43.21')
    await page.assertTextContains(rows.first(), '已支付')
    await page.assertTextContains(rows.first(), '沙箱支付')
  })
})
