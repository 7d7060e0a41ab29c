import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import Rider from '#models/rider'
import TopupPackage from '#models/topup_package'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { resetLoginLimits } from '#tests/helpers/login'
import { logIn } from '#tests/helpers/browser'
import app from '@adonisjs/core/services/app'
import TenantPluginService from '#plugins/tenant_plugins'
import TenantContext from '#core/tenancy/tenant_context'
import { startPaymentWorker } from '#tests/functional/payments/helpers'

test.group('充值 page', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('a counter clerk tops a rider up 50 元 in cash and finds it in 账户流水', async ({
    visit,
  }) => {
    const { tenant, project, staff, password } = await createTenantWithStaff({
      roles: ['operator'],
    })
    const phone = `136${String(process.pid % 100000000).padStart(8, '0')}`
    await Rider.create(
      {
        tenantId: tenant.id,
        name: '赵六',
        phone,
        status: 'normal',
        source: 'offline',
        registeredAt: DateTime.utc(),
      },
      { connection: 'owner' }
    )
    await TopupPackage.createMany(
      [
        { amount: 2000, bonus: 0, sortOrder: 1 },
        { amount: 5000, bonus: 0, sortOrder: 2 },
        { amount: 5000, bonus: 100, sortOrder: 3 },
      ].map((row) => ({ ...row, tenantId: tenant.id, projectId: project.id, enabled: true })),
      { connection: 'owner' }
    )
    const page = await logIn(visit, staff.account, password)

    await page.goto('/riders/topup')
    await page.getByLabel('手机号', { exact: true }).fill(phone)
    await page.getByTestId('topup-lookup').click()
    const rider = page.getByTestId('topup-rider')
    await page.assertTextContains(rider, '赵六')
    await page.assertText(page.getByTestId('topup-balance'), '¥0.00')
    await page.assertTextContains(page.getByTestId('topup-packages'), '50元 送1元')

    await page.getByTestId('topup-packages').getByText('50元', { exact: true }).click()
    await page.getByTestId('topup-cash').click()
    await page.assertTextContains(page.getByTestId('flash'), '充值成功')
    await page.assertText(page.getByTestId('topup-balance'), '¥50.00')
    await page.assertText(page.getByTestId('topup-real-balance'), '¥50.00')
    await page.assertText(page.getByTestId('topup-bonus-balance'), '¥0.00')

    await page.getByText('查看账户流水').click()
    await page.waitForURL(`**/riders/ledger?phone=${phone}`)
    const rows = page.getByTestId('ledger-table').locator('tbody tr')
    await page.assertElementsCount(rows, 1)
    await page.assertTextContains(rows.first(), '线下充值')
    await page.assertTextContains(rows.first(), '¥50.00')
    await page.assertTextContains(rows.first(), staff.name)
  })

  test('立即充值: the rider pays the QR code on the sandbox and the balance shows it', async ({
    visit,
    assert,
  }) => {
    const queue = await startPaymentWorker()
    try {
      const { tenant, staff, password } = await createTenantWithStaff({ roles: ['operator'] })
      const registry = await app.container.make('plugins')
      await new TenantPluginService(registry).save(TenantContext.forJob(tenant.id), {
        pluginId: 'payment-sandbox',
        projectId: null,
        enabled: true,
        config: { merchantId: `bt-${tenant.id}`, signingKey: 'browser-test-signing-key' },
      })
      const phone = `135${String(process.pid % 100000000).padStart(8, '0')}`
      await Rider.create(
        {
          tenantId: tenant.id,
          name: '钱七',
          phone,
          status: 'normal',
          source: 'offline',
          registeredAt: DateTime.utc(),
        },
        { connection: 'owner' }
      )
      const page = await logIn(visit, staff.account, password)
      await page.goto(`/riders/topup?phone=${phone}`)
      await page.getByTestId('topup-packages').getByText('其他金额').click()
      await page.getByTestId('topup-custom').locator('input').fill('12.34')
      await page.getByTestId('topup-qr').click()

      const dialog = page.getByTestId('qr-payment-dialog')
      await page.assertText(dialog.getByTestId('qr-payment-amount'), '¥12.34')
      await page.assertTextContains(dialog.getByTestId('qr-payment-countdown'), '剩余 0')
      assert.match(
        (await dialog.getByTestId('qr-payment-image').getAttribute('src')) ?? '',
        /^data:image\/svg\+xml;base64,/
      )

      // The rider's phone: the sandbox's payer page the QR code opens.
      const payerLink = await dialog.getByTestId('qr-payment-payer-link').getAttribute('href')
      const phonePage = await page.context().newPage()
      await phonePage.goto(payerLink!)
      await phonePage.getByText('¥12.34').waitFor()
      await phonePage.getByRole('button', { name: '支付' }).click()
      await phonePage.getByText('支付成功').waitFor()

      await page.assertTextContains(dialog.getByTestId('qr-payment-paid'), '支付成功')
      await page.assertText(page.getByTestId('topup-real-balance'), '¥12.34')
      await dialog.getByTestId('qr-payment-close').click()
      await page.waitForURL((url) => !url.searchParams.has('payment'))
    } finally {
      await queue.close()
    }
  })
})
