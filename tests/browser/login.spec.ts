import { test } from '@japa/runner'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { resetLoginLimits } from '#tests/helpers/login'
import { fillLoginForm } from '#tests/helpers/browser'

const TOP_MENUS = ['首页', '用户', '订单', '财务', '卡片', '运维', '数据', '权限', '配置', '日志']

test.group('Login page', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('staff sign in through the real page and see the Chinese menus', async ({ visit }) => {
    const { staff, password, tenant } = await createTenantWithStaff()
    const page = await visit('/login')

    await fillLoginForm(page, staff.account, password)

    await page.assertPath('/')
    await page.assertText(page.getByTestId('staff-name'), staff.name)
    await page.assertElementsText(page.getByTestId('top-nav').getByRole('link'), TOP_MENUS)
    await page.assertTextContains(page.getByTestId('tenant-card'), tenant.name)
    await page.assertTextContains(page.getByTestId('clock'), '星期')

    await page.getByTestId('top-nav').getByText('订单').click()
    await page.assertPath('/orders')
    await page.assertTextContains(page.getByTestId('side-menu'), '异常订单')
    await page.assertTextContains(page.getByTestId('not-yet-available'), '尚未开放')
  })

  test('a wrong captcha shows a clear message on the page', async ({ visit }) => {
    const { staff, password } = await createTenantWithStaff()
    const page = await visit('/login')
    await page.getByLabel('账号', { exact: true }).fill(staff.account)
    await page.getByLabel('密码', { exact: true }).fill(password)
    await page.getByLabel('验证码', { exact: true }).fill('zzzz')
    await page.getByRole('button', { name: '登录' }).click()
    await page.assertText(page.getByTestId('login-error'), '验证码错误')
    await page.assertPath('/login')
  })
})
