import { test } from '@japa/runner'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { resetLoginLimits } from '#tests/helpers/login'
import { logIn } from '#tests/helpers/browser'

test.group('Tenant walls in the browser', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('staff of each tenant see only their own tenant, projects and colleagues', async ({
    visit,
    assert,
  }) => {
    const first = await createTenantWithStaff()
    const second = await createTenantWithStaff()

    for (const [mine, theirs] of [
      [first, second],
      [second, first],
    ]) {
      const page = await logIn(visit, mine.staff.account, mine.password)
      await page.assertTextContains(page.getByTestId('tenant-card'), mine.tenant.name)

      await page.goto('/settings/projects')
      await page.assertTextContains(page.getByTestId('projects-table'), mine.project.name)
      assert.notInclude(await page.getByTestId('projects-table').innerText(), theirs.project.name)

      await page.goto('/permissions/staff')
      await page.assertTextContains(page.getByTestId('staff-table'), mine.staff.account)
      // The page's own props must not hide the shared ones the top bar shows.
      await page.assertText(page.getByTestId('staff-name'), mine.staff.name)
      assert.notInclude(await page.getByTestId('staff-table').innerText(), theirs.staff.account)
      await page.getByTestId('logout').click()
      await page.assertPath('/login')
    }
  })

  test('buttons and menus a role does not allow are not shown', async ({ visit, assert }) => {
    const { staff, password } = await createTenantWithStaff({ roles: ['finance'] })
    const page = await logIn(visit, staff.account, password)

    await page.assertNotExists(page.getByTestId('quick-actions'))
    const menus = await page.getByTestId('top-nav').getByRole('link').allInnerTexts()
    assert.includeMembers(menus, ['首页', '用户', '订单', '财务', '数据'])
    assert.notIncludeMembers(menus, ['权限', '配置', '运维', '日志'])

    await page.goto('/permissions/staff')
    await page.assertExists(page.getByTestId('forbidden'))
  })
})
