import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import Rider from '#models/rider'
import TopupPackage from '#models/topup_package'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { resetLoginLimits } from '#tests/helpers/login'
import { logIn } from '#tests/helpers/browser'

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
})
