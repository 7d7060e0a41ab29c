import { test } from '@japa/runner'
import Staff from '#models/staff'
import { resetLoginLimits } from '#tests/helpers/login'
import { waitForImage } from '#tests/helpers/browser'
import PlatformAdminService from '#services/platform/platform_admin_service'

test.group('Platform console page', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('a platform admin signs in and creates a tenant through the dialog', async ({
    visit,
    assert,
  }) => {
    const suffix = `${process.pid}_${Date.now()}`
    const admin = { account: `pbrowser_${suffix}`, name: '平台巡检员', password: 'platform-pass-1' }
    await new PlatformAdminService().createOrReset(admin)

    const page = await visit('/platform/login')
    await page.getByLabel('账号', { exact: true }).fill(admin.account)
    await page.getByLabel('密码', { exact: true }).fill(admin.password)
    await waitForImage(page, '[data-testid=captcha-image]')
    const seam = await page.request.get('/__test__/captcha')
    const { answer } = await seam.json()
    await page.getByLabel('验证码', { exact: true }).fill(answer)
    await page.getByRole('button', { name: '登录' }).click()

    await page.assertPath('/platform/tenants')
    await page.assertText(page.getByTestId('platform-title'), '平台管理')
    await page.assertText(page.getByTestId('platform-admin-name'), admin.name)

    const code = `web_${suffix}`
    await page.getByTestId('create-tenant').click()
    const dialog = page.getByTestId('create-dialog')
    await dialog.getByLabel('运营商编码').fill(code)
    await dialog.getByLabel('运营商名称').fill(`浏览器运营商${suffix}`)
    await dialog.getByLabel('首个项目名称').fill('一号园区')
    await dialog.getByLabel('超级管理员账号').fill(`boss_${suffix}`)
    await dialog.getByLabel('超级管理员姓名').fill('赵总')
    await dialog.getByLabel('初始密码').fill('first-pass-123')
    await dialog.getByRole('button', { name: '创建' }).click()

    await page.assertTextContains(page.getByTestId('flash-success'), `boss_${suffix}`)
    await page.assertText(page.getByTestId(`tenant-status-${code}`), '正常')
    const superAdmin = await Staff.query({ connection: 'owner' })
      .where('account', `boss_${suffix}`)
      .firstOrFail()
    assert.isTrue(superAdmin.mustChangePassword)

    await page.getByTestId(`suspend-${code}`).click()
    await page.getByTestId('confirm-status').click()
    await page.assertText(page.getByTestId(`tenant-status-${code}`), '已停用')
  })
})
