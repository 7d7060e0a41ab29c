import { test } from '@japa/runner'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { resetLoginLimits } from '#tests/helpers/login'
import { logIn } from '#tests/helpers/browser'
import { inboxCode } from '#tests/functional/h5/helpers'

test.group('Riders page', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('open an account from the home button, find the rider by phone, freeze and unfreeze it', async ({
    visit,
  }) => {
    const { tenant, staff, password } = await createTenantWithStaff()
    const phone = `137${String(process.pid % 100000000).padStart(8, '0')}`
    const page = await logIn(visit, staff.account, password)

    await page.getByTestId('quick-openAccount').click()
    await page.assertPath('/riders')
    const dialog = page.getByTestId('open-dialog')
    await dialog.getByLabel('手机号', { exact: true }).fill(phone)
    await dialog.getByTestId('send-code').click()
    // The rider reads out the code the phone received; the page does not show it to staff.
    await page.assertTextContains(page.getByTestId('flash'), '验证码已发送')
    await page.assertNotExists(dialog.getByText(/开发环境验证码/))
    await dialog.getByLabel('验证码', { exact: true }).fill(await inboxCode({ tenant }, phone))
    await dialog.getByLabel('姓名', { exact: true }).fill('王五')
    await dialog.getByTestId('open-submit').click()
    await page.assertTextContains(page.getByTestId('flash'), '开户成功')
    await dialog.waitFor({ state: 'hidden' })

    await page.getByTestId('rider-filters').getByLabel('手机号', { exact: true }).fill(phone)
    await page.getByTestId('rider-search').click()
    await page.waitForURL(`**/riders?*phone=${phone}*`)
    const table = page.getByTestId('riders-table')
    const rows = table.locator('tbody tr')
    await page.assertElementsCount(rows, 1)
    await page.assertTextContains(rows.first(), '王五')
    await page.assertTextContains(rows.first(), '¥0.00')
    await page.assertTextContains(rows.first(), '线下')
    await page.assertText(rows.first().getByTestId('rider-status'), '正常')

    await rows.first().getByRole('checkbox').check()
    await page.getByTestId('freeze').click()
    await page.assertTextContains(page.getByTestId('status-dialog'), '确定冻结所选的 1 个用户')
    await page.getByTestId('status-confirm').click()
    await page.assertText(rows.first().getByTestId('rider-status'), '冻结')
    await page.assertTextContains(page.getByTestId('flash'), '已冻结 1 个用户')

    await rows.first().getByRole('checkbox').check()
    await page.getByTestId('unfreeze').click()
    await page.assertTextContains(page.getByTestId('status-dialog'), '确定解冻所选的 1 个用户')
    await page.getByTestId('status-confirm').click()
    await page.assertText(rows.first().getByTestId('rider-status'), '正常')
    await page.assertTextContains(page.getByTestId('flash'), '已解冻 1 个用户')
  })
})
