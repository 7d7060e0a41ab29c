import { test } from '@japa/runner'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { resetLoginLimits } from '#tests/helpers/login'
import { logIn } from '#tests/helpers/browser'
import { startFakeDysmsapi } from '../../plugins/sms-aliyun/tests/fake_dysmsapi.js'

const KEY_ID = 'LTAI-browser-sms'
const SECRET = 'browser-sms-secret-0123456789abcd'

test.group('配置 → 短信配置 page', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('an admin sets up Alibaba Cloud SMS and sends a test text', async ({ visit, assert }) => {
    const fake = await startFakeDysmsapi({ [KEY_ID]: SECRET })
    try {
      const { staff, password } = await createTenantWithStaff()
      const page = await logIn(visit, staff.account, password)

      await page.goto('/settings/sms')
      await page.getByTestId('new-sms-setting').click()
      await page.getByTestId('sms-plugin').click()
      await page.getByRole('option', { name: '阿里云短信' }).click()
      const field = (name: string) => page.getByTestId(`config-${name}`).locator('input')
      await field('accessKeyId').fill(KEY_ID)
      await field('accessKeySecret').fill(SECRET)
      await field('signName').fill('某某充电')
      await field('templateCode').fill('SMS_100000001')
      await field('endpoint').fill(fake.url)
      await page.getByRole('button', { name: '保存' }).click()
      await page.assertTextContains(page.getByTestId('flash'), '短信配置已保存')

      const row = page.getByTestId('sms-settings-table').locator('tbody tr').first()
      await page.assertTextContains(row, '阿里云短信')
      await page.assertTextContains(row, `AccessKey Secret：******${SECRET.slice(-4)}`)
      assert.notInclude(await page.content(), SECRET)

      const phone = '13900139088'
      await page.getByTestId('sms-test-phone').locator('input').fill(phone)
      await page.getByTestId('sms-test-submit').click()
      await page.assertTextContains(page.getByTestId('flash'), '服务商已接受测试短信')
      assert.match(fake.receivedCode(phone) ?? '', /^\d{6}$/)
    } finally {
      await fake.close()
    }
  })
})
