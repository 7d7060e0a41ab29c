import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { resetLoginLimits } from '#tests/helpers/login'
import { logIn } from '#tests/helpers/browser'
import TenantContext from '#core/tenancy/tenant_context'

test.group('Audit log pages', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('the login log lists the sign-in in Shanghai time and filters it away', async ({
    visit,
  }) => {
    const { staff, password, tenant } = await createTenantWithStaff()
    const page = await logIn(visit, staff.account, password)

    await page.getByTestId('top-nav').getByText('日志').click()
    await page.assertPath('/logs/operations')
    await page.getByTestId('side-menu').getByText('登录日志').click()
    await page.assertPath('/logs/logins')

    const row = await new TenantContext(tenant.id).run((trx) =>
      trx.from('audit_logs').where('action', 'auth.login').firstOrFail()
    )
    const shanghai = DateTime.fromJSDate(row.occurred_at)
      .setZone('Asia/Shanghai')
      .toFormat('yyyy-MM-dd HH:mm:ss')
    const table = page.getByTestId('audit-table')
    await page.assertTextContains(table, staff.account)
    await page.assertTextContains(table, '登录')
    await page.assertTextContains(table, '成功')
    await page.assertTextContains(table, shanghai)

    await page.getByLabel('管理员账号', { exact: true }).fill('nobody-at-all')
    await page.getByTestId('audit-search').click()
    await page.assertTextContains(table, '暂无记录')
  })
})
