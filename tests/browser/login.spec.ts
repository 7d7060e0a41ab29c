import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import limiter from '@adonisjs/limiter/services/main'
import { createTenantWithStaff } from '#tests/helpers/tenants'

const TOP_MENUS = ['首页', '用户', '订单', '财务', '卡片', '运维', '数据', '权限', '配置', '日志']

test.group('Login page', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => limiter.clear())

  test('staff sign in through the real page and see the Chinese menus', async ({ visit, assert }) => {
    const { staff, password, tenant } = await createTenantWithStaff()
    const page = await visit('/login')

    await page.getByLabel('账号').fill(staff.account)
    await page.getByLabel('密码').fill(password)
    // The image is what the server generated for this browser's session.
    await page.waitForFunction(() => {
      const image = document.querySelector<HTMLImageElement>('[data-testid=captcha-image]')
      return image?.complete && image.naturalWidth > 0
    })
    const { answer } = await (await page.request.get('/__test__/captcha')).json()
    await page.getByLabel('验证码').fill(answer)
    await page.getByRole('button', { name: '登录' }).click()

    await page.waitForURL((url) => url.pathname === '/')
    const menus = await page.getByTestId('top-nav').locator('a, button').allInnerTexts()
    assert.deepEqual(menus.map((text) => text.trim()), TOP_MENUS)
    await page.getByTestId('staff-name').assertText(staff.name)
    await page.getByTestId('tenant-card').assertContainsText(tenant.name)
    await page.getByTestId('clock').assertContainsText('星期')

    await page.getByTestId('top-nav').getByText('订单').click()
    await page.waitForURL((url) => url.pathname === '/orders')
    await page.getByTestId('side-menu').assertContainsText('异常订单')
    await page.getByTestId('not-yet-available').assertContainsText('尚未开放')
  })

  test('a wrong captcha shows a clear message on the page', async ({ visit }) => {
    const { staff, password } = await createTenantWithStaff()
    const page = await visit('/login')
    await page.getByLabel('账号').fill(staff.account)
    await page.getByLabel('密码').fill(password)
    await page.getByLabel('验证码').fill('zzzz')
    await page.getByRole('button', { name: '登录' }).click()
    await page.getByTestId('login-error').assertText('验证码错误')
  })
})
