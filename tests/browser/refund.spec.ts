import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { randomUUID } from 'node:crypto'
import TenantPluginService from '#plugins/tenant_plugins'
import PaymentSettlement from '#services/finance/payment_settlement'
import QrPaymentService from '#services/finance/qr_payment_service'
import TenantContext from '#core/tenancy/tenant_context'
import { sandboxGateway } from '../../plugins/payment-sandbox/gateway.js'
import { eventually, refundsOf, startPaymentWorker } from '#tests/functional/payments/helpers'
import { createRider } from '#tests/functional/wallet/helpers'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { resetLoginLimits } from '#tests/helpers/login'
import { logIn } from '#tests/helpers/browser'

test.group('退款 and 账户流水', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('a clerk refunds part of a QR top-up back to its channel, then some in cash, and finds both in 账户流水', async ({
    visit,
    assert,
  }) => {
    const queue = await startPaymentWorker()
    try {
      const { tenant, project, staff, password } = await createTenantWithStaff({
        roles: ['super_admin'],
      })
      const merchantId = `rf-${tenant.id}`
      const registry = await app.container.make('plugins')
      await new TenantPluginService(registry).save(TenantContext.forJob(tenant.id), {
        pluginId: 'payment-sandbox',
        projectId: null,
        enabled: true,
        config: { merchantId, signingKey: 'browser-test-signing-key' },
      })
      const rider = await createRider(tenant.id)
      // A 100 元 QR top-up with 5 元 bonus, paid on the sandbox and settled.
      const system = TenantContext.forJob(tenant.id)
      const order = await new QrPaymentService().start(system, {
        purpose: 'topup',
        projectId: project.id,
        riderId: rider.id,
        amount: 10000,
        bonusAmount: 500,
        description: '充值 100.00 元',
        idempotencyKey: randomUUID(),
      })
      await sandboxGateway.pay(merchantId, order.paymentNo, { notify: false })
      await new PaymentSettlement().followUp(system, order.id)

      const page = await logIn(visit, staff.account, password)
      await page.goto(`/riders?phone=${rider.phone}`)
      const row = page.getByTestId('riders-table').locator('tbody tr').first()
      await page.assertTextContains(row, '¥105.00')

      await row.getByTestId('refund').click()
      await page.assertTextContains(
        page.getByTestId('refund-balances'),
        '赠送余额 ¥5.00 将一并清零'
      )
      await page.getByTestId('refund-amount').locator('input').fill('30')
      await page.getByTestId('refund-reason').locator('textarea').first().fill('用户搬家')
      await page.getByRole('button', { name: '确认退款' }).click()
      await page.assertTextContains(page.getByTestId('flash'), '已提交原路退款 ¥30.00')
      await page.assertTextContains(row, '¥70.00')

      // The provider refunds it: 30 元 back on the payment it came from.
      const [refund] = await eventually(
        () => refundsOf(order.id),
        (rows) => rows[0]?.status === 'succeeded'
      )
      assert.deepInclude(refund, { amount: 3000, status: 'succeeded', cause: 'rider_refund' })

      await row.getByTestId('refund').click()
      await page.getByTestId('refund-amount').locator('input').fill('20')
      await page.getByLabel('现金退款').check()
      await page.getByTestId('refund-reason').locator('textarea').first().fill('柜台退现金')
      await page.getByRole('button', { name: '确认退款' }).click()
      await page.assertTextContains(page.getByTestId('flash'), '已现金退款 ¥20.00')
      await page.assertTextContains(row, '¥50.00')

      // More than is left is refused with the reason, and nothing changes.
      await row.getByTestId('refund').click()
      await page.getByTestId('refund-amount').locator('input').fill('60')
      await page.getByLabel('现金退款').check()
      await page.getByTestId('refund-reason').locator('textarea').first().fill('超额')
      await page.getByRole('button', { name: '确认退款' }).click()
      await page.assertTextContains(page.getByTestId('flash'), '退款金额不能超过实际充值余额')
      await page.assertTextContains(row, '¥50.00')

      // 账户流水: this rider's refunds only.
      await page.goto('/riders/ledger')
      const filters = page.getByTestId('ledger-filters')
      await filters.getByLabel('手机号', { exact: true }).fill(rider.phone!)
      await filters.locator('.v-select').filter({ hasText: '明细' }).click()
      await page.getByRole('option', { name: '退款' }).click()
      await page.getByTestId('ledger-search').click()
      const entries = page.getByTestId('ledger-table').locator('tbody tr')
      await page.assertElementsCount(entries, 2)
      await page.assertTextContains(entries.nth(0), '¥20.00')
      await page.assertTextContains(entries.nth(1), '¥30.00')
    } finally {
      await queue.close()
    }
  })
})
