import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { ledgerFixture } from '#tests/functional/ledger/helpers'
import { resetLoginLimits } from '#tests/helpers/login'

/*
| 配置 → 短信配置: the notify plugin's settings beside the SMS senders, over real
| HTTP as the admin's browser sends them.
*/

const SECRET = 'notify-app-secret-0123456789abcd'

const config = (endpoint?: string) => ({
  appId: 'wx0123456789abcdef',
  appSecret: SECRET,
  chargeFinishedTemplateId: 'tpl-finished',
  ...(endpoint ? { endpoint } : {}),
})

test.group('配置: the notify plugin', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('notify-wechat is offered and saved with its secret encrypted and shown masked', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const browser = await fixture.adminSession()
    const before = await browser.get('/settings/sms')
    const offered = before.page!.props.pluginChoices.find(
      (plugin: { id: string }) => plugin.id === 'notify-wechat'
    )
    assert.deepEqual(offered?.secrets, ['appSecret'])

    await browser.send(
      'POST',
      '/settings/sms',
      { pluginId: 'notify-wechat', projectId: null, enabled: true, config: config() },
      '/settings/sms'
    )
    const row = await db
      .connection('owner')
      .from('tenant_plugins')
      .where({ tenant_id: fixture.tenant.id, plugin_id: 'notify-wechat' })
      .firstOrFail()
    assert.include(row, { kind: 'notify', enabled: true, project_id: null })
    assert.notProperty(row.settings, 'appSecret')
    assert.notInclude(row.secrets_encrypted, SECRET)

    const page = await browser.get('/settings/sms')
    const shown = page.page!.props.pluginSettings.find(
      (setting: { pluginId: string }) => setting.pluginId === 'notify-wechat'
    )
    assert.equal(shown.config.appSecret, `******${SECRET.slice(-4)}`)
    assert.equal(shown.config.chargeFinishedTemplateId, 'tpl-finished')
    assert.notInclude(page.text, SECRET)
  })

  test('an endpoint outside WeChat’s hosts is refused, nothing saved', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const browser = await fixture.adminSession()
    await browser.send(
      'POST',
      '/settings/sms',
      {
        pluginId: 'notify-wechat',
        projectId: null,
        enabled: true,
        config: config('https://collector.example.com'),
      },
      '/settings/sms'
    )
    const page = await browser.get('/settings/sms')
    assert.isString(page.page!.props.errors?.['config.endpoint'])
    const rows = await db
      .connection('owner')
      .from('tenant_plugins')
      .where({ tenant_id: fixture.tenant.id, plugin_id: 'notify-wechat' })
    assert.lengthOf(rows, 0)
  })
})
