import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import { errors } from '@vinejs/vine'
import TenantContext from '#core/tenancy/tenant_context'
import TenantPluginService, { PluginSettingRefused } from '#plugins/tenant_plugins'
import { createTenantWithStaff } from '#tests/helpers/tenants'

const SECRET = 'aliyun-secret-value-1234'
const CONFIG = {
  accessKeyId: 'LTAI5tSettingsTest',
  accessKeySecret: SECRET,
  signName: '桩行天下',
  templateCode: 'SMS_154950909',
}

async function setup() {
  const { tenant, project } = await createTenantWithStaff()
  const settings = new TenantPluginService(await app.container.make('plugins'))
  return { tenant, project, context: new TenantContext(tenant.id), settings }
}

test.group('Tenant plugin settings', () => {
  test('secrets are encrypted at rest and come back masked', async ({ assert }) => {
    const { tenant, context, settings } = await setup()
    const saved = await settings.save(context, {
      pluginId: 'sms-aliyun',
      projectId: null,
      enabled: true,
      config: CONFIG,
    })
    assert.equal(saved.config.accessKeySecret, '******1234')
    assert.equal(saved.config.accessKeyId, CONFIG.accessKeyId)

    const row = await db
      .connection('owner')
      .from('tenant_plugins')
      .where('tenant_id', tenant.id)
      .first()
    assert.notProperty(row.settings, 'accessKeySecret')
    assert.notInclude(row.secrets_encrypted, SECRET)
    assert.notInclude(JSON.stringify(await settings.list(context)), SECRET)
  })

  test('saving without the secret keeps the stored one', async ({ assert }) => {
    const { context, settings } = await setup()
    await settings.save(context, {
      pluginId: 'sms-aliyun',
      projectId: null,
      enabled: true,
      config: CONFIG,
    })
    await settings.save(context, {
      pluginId: 'sms-aliyun',
      projectId: null,
      enabled: true,
      config: { ...CONFIG, signName: '新签名', accessKeySecret: '' },
    })
    const [listed] = await settings.list(context)
    assert.equal(listed.config.signName, '新签名')
    assert.equal(listed.config.accessKeySecret, '******1234')
    assert.isNotNull(await settings.resolve(context, 'sms'))
  })

  test('config is validated by the plugin; unknown plugins are refused', async ({ assert }) => {
    const { context, settings } = await setup()
    await assert.rejects(
      () =>
        settings.save(context, {
          pluginId: 'sms-aliyun',
          projectId: null,
          enabled: true,
          config: { ...CONFIG, templateCode: 'oops' },
        }),
      errors.E_VALIDATION_ERROR
    )
    await assert.rejects(
      () =>
        settings.save(context, {
          pluginId: 'sms-nope',
          projectId: null,
          enabled: true,
          config: {},
        }),
      PluginSettingRefused
    )
  })

  test('a project setting comes before the tenant-wide one; other tenants see neither', async ({
    assert,
  }) => {
    const { context, project, settings } = await setup()
    const other = await setup()
    await settings.save(context, {
      pluginId: 'sms-log',
      projectId: null,
      enabled: true,
      config: {},
    })
    await settings.save(context, {
      pluginId: 'sms-aliyun',
      projectId: project.id,
      enabled: true,
      config: CONFIG,
    })
    const tenantWide = await settings.resolve(context, 'sms')
    const forProject = await settings.resolve(context, 'sms', project.id)
    assert.equal(tenantWide?.pluginId, 'sms-log')
    assert.equal(forProject?.pluginId, 'sms-aliyun')
    assert.isNull(await other.settings.resolve(other.context, 'sms'))
    assert.lengthOf(await other.settings.list(other.context), 0)
  })
})
