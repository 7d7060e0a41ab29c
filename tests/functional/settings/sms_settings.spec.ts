import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { ledgerFixture } from '#tests/functional/ledger/helpers'
import { resetLoginLimits, type BrowserSession } from '#tests/helpers/login'
import { TEST_SEND_LIMIT } from '#services/settings/sms_test_send_service'
import {
  startFakeDysmsapi,
  type FakeDysmsapi,
} from '../../../plugins/sms-aliyun/tests/fake_dysmsapi.js'

/*
| 配置 → 短信配置 over real HTTP as the admin's browser sends it, with
| sms-aliyun pointed at a local stand-in of dysmsapi that checks each
| request's signature. No global transaction: checks read what the
| requests committed (owner connection).
*/

const KEY_ID = 'LTAI-creds18-test'
const SECRET = 'creds18-aliyun-secret-0123456789'
const PHONE = '13900139018'

function aliyunConfig(fake: FakeDysmsapi, overrides: Record<string, unknown> = {}) {
  return {
    accessKeyId: KEY_ID,
    accessKeySecret: SECRET,
    signName: '某某充电',
    templateCode: 'SMS_100000001',
    endpoint: fake.url,
    ...overrides,
  }
}

const owner = () => db.connection('owner')
const settingsOf = (tenantId: number) =>
  owner().from('tenant_plugins').where('tenant_id', tenantId).orderBy('id')
const auditsOf = (tenantId: number, action = 'sms_settings.%') =>
  owner().from('audit_logs').where('tenant_id', tenantId).whereLike('action', action).orderBy('id')

let fake: FakeDysmsapi

/** Adds a setting from the page as the admin's browser does. */
function addSetting(
  browser: BrowserSession,
  overrides: Record<string, unknown> = {},
  setting: { pluginId?: string; enabled?: boolean; config?: Record<string, unknown> } = {}
) {
  return browser.send(
    'POST',
    '/settings/sms',
    {
      pluginId: 'sms-aliyun',
      projectId: null,
      enabled: true,
      config: aliyunConfig(fake, overrides),
      ...setting,
    },
    '/settings/sms'
  )
}

test.group('配置 → 短信配置 (SMS settings)', (group) => {
  group.setup(async () => {
    fake = await startFakeDysmsapi({ [KEY_ID]: SECRET })
    return () => fake.close()
  })
  group.each.setup(() => resetLoginLimits())

  test('sms-aliyun is saved with its secret encrypted, shown masked and never echoed', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const browser = await fixture.adminSession()
    const before = await browser.props('/settings/sms')
    assert.equal(before.section, 'sms')
    const offered = before.pluginChoices.map((plugin: { id: string }) => plugin.id)
    assert.includeMembers(offered, ['sms-aliyun', 'notify-wechat'])
    assert.notInclude(offered, 'payment-sandbox')

    await addSetting(browser)
    const [row] = await settingsOf(fixture.tenant.id)
    assert.include(row, { plugin_id: 'sms-aliyun', kind: 'sms', enabled: true, project_id: null })
    assert.notProperty(row.settings, 'accessKeySecret')
    assert.notInclude(row.secrets_encrypted, SECRET)

    const page = await browser.get('/settings/sms')
    const [shown] = page.page!.props.pluginSettings
    assert.equal(shown.config.accessKeySecret, `******${SECRET.slice(-4)}`)
    assert.equal(shown.config.signName, '某某充电')
    assert.notInclude(page.text, SECRET)
    assert.deepEqual(
      page.page!.props.pluginProjects.map((project: { settingId: number }) => project.settingId),
      [row.id, row.id]
    )

    // An edit leaving the secret empty keeps the stored one.
    await browser.send(
      'PUT',
      `/settings/sms/${row.id}`,
      { enabled: true, config: aliyunConfig(fake, { accessKeySecret: '', signName: '新签名' }) },
      '/settings/sms'
    )
    await browser.send('POST', `/settings/sms/${row.id}/test`, { phone: PHONE }, '/settings/sms')
    assert.match(fake.receivedCode(PHONE) ?? '', /^\d{6}$/)

    const audits = await auditsOf(fixture.tenant.id)
    assert.deepEqual(
      audits.map((audit) => audit.action),
      ['sms_settings.create', 'sms_settings.update', 'sms_settings.test_send']
    )
    assert.notInclude(JSON.stringify(audits), SECRET)
    assert.equal(audits[1].after.config.signName, '新签名')
    assert.include(audits[2].after, { pluginId: 'sms-aliyun', phone: PHONE, accepted: true })
  })

  test('refused input changes nothing and says which field', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const browser = await fixture.adminSession()
    const attempts = [
      [{ templateCode: '100001' }, 'config.templateCode'],
      [{ signName: '' }, 'config.signName'],
      [{ endpoint: 'https://collector.example.com/' }, 'config.endpoint'],
    ] as const
    for (const [overrides, field] of attempts) {
      await addSetting(browser, overrides)
      const props = await browser.props('/settings/sms')
      assert.isString(props.errors?.[field], field)
    }
    // A payment plugin is not an SMS setting.
    await addSetting(browser, {}, { pluginId: 'payment-sandbox', config: {} })
    assert.lengthOf(await settingsOf(fixture.tenant.id), 0)
    assert.lengthOf(await auditsOf(fixture.tenant.id), 0)
  })

  test('a test send says whether the provider took it, bounded per tenant', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const browser = await fixture.adminSession()
    const wrongSecret = 'not-the-secret-at-all-0000000000'
    await addSetting(browser, { accessKeySecret: wrongSecret }, { enabled: false })
    const [row] = await settingsOf(fixture.tenant.id)
    const testSend = async (phone: string) => {
      await browser.send('POST', `/settings/sms/${row.id}/test`, { phone }, '/settings/sms')
      return browser.props('/settings/sms')
    }

    // A disabled setting can be tried; the provider refuses the wrong secret.
    let props = await testSend('13900139021')
    assert.match(props.flash.error, /SignatureDoesNotMatch/)
    assert.notInclude(JSON.stringify(props), wrongSecret)
    assert.isNull(fake.receivedCode('13900139021'))

    // Not a mainland mobile number: refused before any provider call, not audited.
    props = await testSend('12345')
    assert.isString(props.errors?.phone)
    assert.lengthOf(await auditsOf(fixture.tenant.id, 'sms_settings.test_send'), 1)

    for (let sent = 1; sent < TEST_SEND_LIMIT.requests; sent++) {
      await testSend(`1390013910${sent}`)
    }
    props = await testSend('13900139109')
    assert.equal(props.flash.error, '测试短信发送过于频繁，请一小时后再试')
    const tests = await auditsOf(fixture.tenant.id, 'sms_settings.test_send')
    assert.lengthOf(tests, TEST_SEND_LIMIT.requests)
    assert.deepEqual(tests[0].after, {
      pluginId: 'sms-aliyun',
      phone: '13900139021',
      accepted: false,
      providerCode: 'SignatureDoesNotMatch',
    })
  })

  test('开户 sends its code through the configured provider', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const browser = await fixture.adminSession()
    await addSetting(browser)
    const phone = '13900139031'
    const sent = await browser.send('POST', '/riders/sms-code', {
      phone,
      purpose: 'open_account',
    })
    assert.equal(sent.status, 302)
    const riders = await browser.props('/riders')
    assert.isUndefined(riders.flash?.error)
    assert.match(fake.receivedCode(phone) ?? '', /^\d{6}$/)
    assert.equal(fake.receivedMessage(phone)?.templateCode, 'SMS_100000001')
    const [code] = await owner()
      .from('sms_verification_codes')
      .where({ tenant_id: fixture.tenant.id, phone })
    assert.include(code, { plugin_id: 'sms-aliyun', status: 'sent' })
  })

  test('another tenant, the payment page and a lesser role cannot reach a setting', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const browser = await fixture.adminSession()
    await addSetting(browser)
    const [row] = await settingsOf(fixture.tenant.id)

    const otherTenant = await ledgerFixture()
    const other = await otherTenant.adminSession()
    const config = aliyunConfig(fake, { signName: '别家' })
    const statusOf = async (answer: Promise<{ status: number }>) => {
      const { status } = await answer
      return status
    }
    assert.equal(
      await statusOf(other.send('PUT', `/settings/sms/${row.id}`, { enabled: true, config })),
      404
    )
    assert.equal(
      await statusOf(other.send('POST', `/settings/sms/${row.id}/test`, { phone: PHONE })),
      404
    )
    // 支付配置 does not reach an SMS setting either.
    assert.equal(await statusOf(browser.send('DELETE', `/settings/payment/${row.id}`)), 404)

    const { browser: operator } = await fixture.staffSession('operator')
    assert.equal(await statusOf(operator.get('/settings/sms')), 403)
    assert.equal(
      await statusOf(operator.send('POST', `/settings/sms/${row.id}/test`, { phone: PHONE })),
      403
    )
    const [after] = await settingsOf(fixture.tenant.id)
    assert.equal(after.settings.signName, '某某充电')
    assert.isTrue(after.enabled)
  })
})
