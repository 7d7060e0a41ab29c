import { test } from '@japa/runner'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import TenantPlugin from '#models/tenant_plugin'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { resetLoginLimits } from '#tests/helpers/login'
import { logIn } from '#tests/helpers/browser'

function pemPair() {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
}

test.group('配置 → 支付 page', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('an admin sets up WeChat Pay for one project, edits it keeping the secrets, disables it', async ({
    visit,
    assert,
  }) => {
    const { tenant, project, staff, password } = await createTenantWithStaff()
    const merchant = pemPair()
    const platform = pemPair()
    const apiV3Key = randomBytes(16).toString('hex')
    const page = await logIn(visit, staff.account, password)

    await page.goto('/settings/payment')
    await page.getByTestId('new-payment-setting').click()
    await page.getByTestId('payment-plugin').click()
    await page.getByRole('option', { name: '微信支付' }).click()
    await page.getByTestId('payment-scope').click()
    await page.getByRole('option', { name: project.name }).click()
    const field = (name: string) => page.getByTestId(`config-${name}`)
    await field('appId').locator('input').fill('wx1234567890abcdef')
    await field('mchId').locator('input').fill('1900000109')
    await field('merchantSerialNo')
      .locator('input')
      .fill('5157F09EFDC096DE15EBE81A47057A7232F1B8E1')
    // The key is pasted as the merchant has it: a multi-line PEM.
    await field('merchantPrivateKey').locator('textarea').fill(merchant.privateKey)
    await field('apiV3Key').locator('input').fill(apiV3Key)
    await field('platformPublicKeyId')
      .locator('input')
      .fill('PUB_KEY_ID_0114232134912410000000000001')
    await field('platformPublicKey').locator('textarea').fill(platform.publicKey)
    // A protected field, set for the first time: typed again.
    await page.getByTestId('confirm-platformPublicKey').locator('textarea').fill(platform.publicKey)
    await page.getByRole('button', { name: '保存' }).click()
    await page.assertTextContains(page.getByTestId('flash'), '支付配置已保存')

    const table = page.getByTestId('payment-settings-table')
    const row = table.locator('tbody tr').first()
    await page.assertTextContains(row, '微信支付')
    await page.assertTextContains(row, project.name)
    await page.assertTextContains(row, `APIv3 密钥：******${apiV3Key.slice(-4)}`)
    await page.assertTextContains(row, '商户 API 私钥（apiclient_key.pem）：******')
    assert.notInclude(await page.content(), apiV3Key)
    await page.assertTextContains(
      page.getByTestId('payment-applied-table'),
      '微信支付（项目专属配置）'
    )

    const [stored] = await TenantPlugin.query({ connection: 'owner' }).where('tenant_id', tenant.id)
    // A textarea drops the PEM's last line break; the key itself is stored whole.
    assert.equal(stored.secrets.merchantPrivateKey, merchant.privateKey.trim())

    await row.getByTestId('edit-setting').click()
    const secret = field('apiV3Key').locator('input')
    assert.equal(await secret.inputValue(), '')
    assert.equal(await secret.getAttribute('type'), 'password')
    assert.include(await secret.getAttribute('placeholder'), `******${apiV3Key.slice(-4)}`)
    await field('mchId').locator('input').fill('1900000110')
    await page.getByRole('button', { name: '保存' }).click()
    await page.assertTextContains(row, '商户号：1900000110')

    await row.getByTestId('toggle-setting').click()
    await page.assertText(row.getByTestId('payment-setting-status'), '停用')
    await page.assertTextContains(page.getByTestId('payment-applied-table'), '未配置')

    const saved = await db
      .connection('owner')
      .from('tenant_plugins')
      .where('tenant_id', tenant.id)
      .firstOrFail()
    assert.isFalse(saved.enabled)
    assert.equal(saved.settings.mchId, '1900000110')
    const edited = await TenantPlugin.findOrFail(saved.id, { connection: 'owner' })
    assert.deepEqual(edited.secrets, stored.secrets)
    assert.equal(edited.secrets.apiV3Key, apiV3Key)
  })
})
