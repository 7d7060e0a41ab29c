import { test } from '@japa/runner'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import TenantPlugin from '#models/tenant_plugin'
import TenantPluginService from '#plugins/tenant_plugins'
import TenantContext from '#core/tenancy/tenant_context'
import { ledgerFixture } from '#tests/functional/ledger/helpers'
import { createRider } from '#tests/functional/wallet/helpers'
import { resetLoginLimits } from '#tests/helpers/login'

/*
| 配置 → 支付 over real HTTP as the admin's browser sends it. No global
| transaction: checks read what the requests committed (owner connection).
*/

function wechatConfig() {
  const merchant = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
  const platform = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
  return {
    appId: 'wx8888888888888888',
    mchId: '1900000109',
    merchantSerialNo: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
    merchantPrivateKey: merchant.privateKey,
    apiV3Key: randomBytes(16).toString('hex'),
    platformPublicKeyId: 'PUB_KEY_ID_0114232134912410000000000001',
    platformPublicKey: platform.publicKey,
  }
}

/** A slice from the middle of a PEM's body: a leak of the key shows it, a mask never does. */
function pemCore(pem: string) {
  const body = pem.replace(/-----[A-Z ]+-----|\s/g, '')
  return body.slice(100, 160)
}

function settingsOf(tenantId: number) {
  return db.connection('owner').from('tenant_plugins').where('tenant_id', tenantId).orderBy('id')
}

function auditsOf(tenantId: number) {
  return db
    .connection('owner')
    .from('audit_logs')
    .where('tenant_id', tenantId)
    .whereLike('action', 'payment_settings.%')
    .orderBy('id')
}

/** Everything a session stored for its next request, as text. */
async function storedSessions() {
  const rows = await db.connection('owner').from('sessions').select('*')
  return JSON.stringify(rows)
}

const SANDBOX = { merchantId: 'pset-merchant', signingKey: 'pset-signing-key-0001-abcd' }

test.group('配置 → 支付 (payment settings)', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('tenant-wide and per-project settings, secrets masked in the page and the audit log', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const browser = await fixture.adminSession()
    const wechat = wechatConfig()

    await browser.send(
      'POST',
      '/settings/payment',
      { pluginId: 'payment-sandbox', projectId: null, enabled: true, config: SANDBOX },
      '/settings/payment'
    )
    await browser.send(
      'POST',
      '/settings/payment',
      {
        pluginId: 'payment-wechatpay',
        projectId: fixture.projectB.id,
        enabled: true,
        config: wechat,
        // A protected field, set for the first time: typed twice.
        confirm: { platformPublicKey: wechat.platformPublicKey },
      },
      '/settings/payment'
    )
    const [sandbox, wechatRow] = await settingsOf(fixture.tenant.id)
    assert.include(sandbox, { plugin_id: 'payment-sandbox', project_id: null, enabled: true })
    assert.include(wechatRow, { plugin_id: 'payment-wechatpay', project_id: fixture.projectB.id })
    assert.notInclude(wechatRow.secrets_encrypted, pemCore(wechat.merchantPrivateKey))
    assert.notProperty(wechatRow.settings, 'apiV3Key')

    const page = await browser.get('/settings/payment')
    assert.equal(page.page?.component, 'settings/plugins')
    assert.equal(page.page?.props.section, 'payment')
    const props = page.page!.props
    assert.equal(props.flash.success, '支付配置已保存')
    assert.deepEqual(
      props.pluginSettings.map((setting: any) => [setting.pluginId, setting.projectId]),
      [
        ['payment-sandbox', null],
        ['payment-wechatpay', fixture.projectB.id],
      ]
    )
    const shown = props.pluginSettings[1].config
    assert.equal(shown.apiV3Key, `******${wechat.apiV3Key.slice(-4)}`)
    assert.match(shown.merchantPrivateKey, /^\*{6}/)
    assert.equal(shown.mchId, wechat.mchId)
    assert.equal(props.pluginSettings[0].config.signingKey, '******abcd')
    assert.notInclude(page.text, wechat.apiV3Key)
    assert.notInclude(page.text, pemCore(wechat.merchantPrivateKey))
    assert.notInclude(page.text, SANDBOX.signingKey)

    // Project A falls back to the tenant-wide sandbox; project B has its own WeChat Pay.
    assert.deepEqual(
      props.pluginProjects.map((project: any) => [project.id, project.settingId]),
      [
        [fixture.projectA.id, sandbox.id],
        [fixture.projectB.id, wechatRow.id],
      ]
    )
    const plugins = new TenantPluginService(await app.container.make('plugins'))
    const context = TenantContext.forJob(fixture.tenant.id)
    const forA = await plugins.resolve(context, 'payment', fixture.projectA.id)
    const forB = await plugins.resolve(context, 'payment', fixture.projectB.id)
    assert.equal(forA?.settingId, sandbox.id)
    assert.equal(forB?.settingId, wechatRow.id)
    assert.includeMembers(
      props.pluginChoices.map((plugin: any) => plugin.id),
      ['payment-sandbox', 'payment-wechatpay', 'payment-alipay']
    )
    // 支付配置 offers payment providers only: notify and SMS plugins have 短信配置.
    assert.notIncludeMembers(
      props.pluginChoices.map((plugin: any) => plugin.id),
      ['notify-wechat', 'sms-aliyun', 'sms-log']
    )

    const audits = await auditsOf(fixture.tenant.id)
    assert.deepEqual(
      audits.map((row) => [row.action, row.target_type, Number(row.target_id)]),
      [
        ['payment_settings.create', 'tenant_plugin', sandbox.id],
        ['payment_settings.create', 'tenant_plugin', wechatRow.id],
        ['payment_settings.protected_change', 'tenant_plugin', wechatRow.id],
      ]
    )
    assert.equal(Number(audits[1].project_id), fixture.projectB.id)
    assert.equal(audits[1].after.config.mchId, wechat.mchId)
    const audited = JSON.stringify(audits)
    assert.notInclude(audited, wechat.apiV3Key)
    assert.notInclude(audited, pemCore(wechat.merchantPrivateKey))
    assert.notInclude(audited, SANDBOX.signingKey)
    assert.notInclude(await storedSessions(), wechat.apiV3Key)
  })

  test('an edit that leaves a secret empty keeps it; an emptied plain field goes', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const browser = await fixture.adminSession()
    await browser.send('POST', '/settings/payment', {
      pluginId: 'payment-sandbox',
      projectId: fixture.projectA.id,
      enabled: true,
      config: { ...SANDBOX, gatewayUrl: 'http://127.0.0.1:9/sandbox' },
    })
    const [row] = await settingsOf(fixture.tenant.id)

    await browser.send('PUT', `/settings/payment/${row.id}`, {
      enabled: true,
      config: { merchantId: 'pset-merchant-2', signingKey: '', gatewayUrl: '' },
    })
    const stored = await TenantPlugin.findOrFail(row.id, { connection: 'owner' })
    assert.deepEqual(stored.settings, { merchantId: 'pset-merchant-2' })
    assert.deepEqual(stored.secrets, { signingKey: SANDBOX.signingKey })

    const [, update] = await auditsOf(fixture.tenant.id)
    assert.equal(update.action, 'payment_settings.update')
    assert.equal(update.before.config.merchantId, 'pset-merchant')
    assert.equal(update.after.config.merchantId, 'pset-merchant-2')
    assert.notInclude(JSON.stringify(update), SANDBOX.signingKey)
  })

  test("a plugin's schema errors come back per field, in Chinese, and nothing is stored", async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const browser = await fixture.adminSession()
    const wechat = wechatConfig()
    const response = await browser.send(
      'POST',
      '/settings/payment',
      {
        pluginId: 'payment-wechatpay',
        projectId: fixture.projectA.id,
        enabled: true,
        config: {
          ...wechat,
          appId: 'not-an-app-id',
          merchantPrivateKey: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----',
          apiV3Key: 'too-short-secret-value',
          platformPublicKeyId: '',
        },
      },
      '/settings/payment'
    )
    assert.equal(response.status, 302)
    const props = await browser.props('/settings/payment')
    assert.equal(props.errors['config.appId'], 'AppID格式不正确')
    assert.equal(
      props.errors['config.merchantPrivateKey'],
      '商户 API 私钥（apiclient_key.pem）不是有效的 PEM'
    )
    assert.equal(props.errors['config.apiV3Key'], 'APIv3 密钥须为 32 个字符')
    assert.equal(props.errors['config.platformPublicKeyId'], '请填写微信支付公钥 ID')
    assert.lengthOf(await settingsOf(fixture.tenant.id), 0)
    // The refused form is not flashed back: the typed secrets stay out of the session store.
    assert.notInclude(await storedSessions(), 'too-short-secret-value')
  })

  test('a setting payments refer to cannot be deleted, only disabled; others can', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const browser = await fixture.adminSession()
    await browser.send('POST', '/settings/payment', {
      pluginId: 'payment-sandbox',
      projectId: null,
      enabled: true,
      config: SANDBOX,
    })
    await browser.send('POST', '/settings/payment', {
      pluginId: 'payment-sandbox',
      projectId: fixture.projectA.id,
      enabled: true,
      config: SANDBOX,
    })
    const [used, unused] = await settingsOf(fixture.tenant.id)
    const rider = await createRider(fixture.tenant.id)
    await db
      .connection('owner')
      .table('payment_orders')
      .insert({
        tenant_id: fixture.tenant.id,
        project_id: fixture.projectB.id,
        rider_id: rider.id,
        payment_no: `PS${Date.now()}${process.pid}`,
        tenant_plugin_id: used.id,
        plugin_id: 'payment-sandbox',
        merchant_id: SANDBOX.merchantId,
        purpose: 'topup',
        amount: 100,
        status: 'paid',
        idempotency_key: `pset-${Date.now()}`,
        expires_at: new Date(),
        created_at: new Date(),
        updated_at: new Date(),
      })

    let props = await browser.props('/settings/payment')
    assert.deepEqual(
      props.pluginSettings.map((setting: any) => [setting.id, setting.inUse]),
      [
        [used.id, true],
        [unused.id, false],
      ]
    )
    await browser.send('DELETE', `/settings/payment/${used.id}`, {}, '/settings/payment')
    props = await browser.props('/settings/payment')
    assert.equal(props.flash.error, '已有支付订单或对账记录使用此配置，不能删除；可以停用它')
    assert.lengthOf(await settingsOf(fixture.tenant.id), 2)

    await browser.send('PUT', `/settings/payment/${used.id}/enabled`, { enabled: false })
    props = await browser.props('/settings/payment')
    assert.equal(props.flash.success, '支付配置已停用')
    assert.isFalse(props.pluginSettings[0].enabled)
    // Project B has no setting of its own and the tenant-wide one is off.
    assert.deepEqual(
      props.pluginProjects.map((project: any) => project.settingId),
      [unused.id, null]
    )

    await browser.send('DELETE', `/settings/payment/${unused.id}`)
    const left = await settingsOf(fixture.tenant.id)
    assert.deepEqual(
      left.map((row) => row.id),
      [used.id]
    )
    const audits = await auditsOf(fixture.tenant.id)
    const actions = audits.map((row) => row.action)
    assert.deepEqual(actions, [
      'payment_settings.create',
      'payment_settings.create',
      'payment_settings.disable',
      'payment_settings.delete',
    ])
  })

  test('the same plugin twice in one scope is refused', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const browser = await fixture.adminSession()
    const body = { pluginId: 'payment-sandbox', projectId: null, enabled: true, config: SANDBOX }
    await browser.send('POST', '/settings/payment', body)
    await browser.send('POST', '/settings/payment', {
      ...body,
      config: { ...SANDBOX, merchantId: 'overwritten' },
    })
    const props = await browser.props('/settings/payment')
    assert.equal(props.flash.error, '该范围已有此支付方式的配置，请编辑已有的配置')
    const [row] = await settingsOf(fixture.tenant.id)
    assert.equal(row.settings.merchantId, SANDBOX.merchantId)
  })

  test('staff limited to a project manage only its own settings; others only see them', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const admin = await fixture.adminSession()
    await admin.send('POST', '/settings/payment', {
      pluginId: 'payment-sandbox',
      projectId: null,
      enabled: true,
      config: SANDBOX,
    })
    await admin.send('POST', '/settings/payment', {
      pluginId: 'payment-sandbox',
      projectId: fixture.projectB.id,
      enabled: true,
      config: SANDBOX,
    })
    const [tenantWide, ofB] = await settingsOf(fixture.tenant.id)

    const { browser } = await fixture.staffSession('super_admin', [fixture.projectA.id])
    const props = await browser.props('/settings/payment')
    assert.deepEqual(
      props.pluginSettings.map((setting: any) => setting.id),
      [tenantWide.id]
    )
    assert.isFalse(props.pluginTenantWide)
    assert.deepEqual(
      props.pluginProjects.map((project: any) => project.id),
      [fixture.projectA.id]
    )

    const toggle = await browser.send('PUT', `/settings/payment/${tenantWide.id}/enabled`, {
      enabled: false,
    })
    assert.equal(toggle.status, 403)
    const other = await browser.send('DELETE', `/settings/payment/${ofB.id}`)
    assert.equal(other.status, 404)
    const create = await browser.send('POST', '/settings/payment', {
      pluginId: 'payment-alipay',
      projectId: null,
      enabled: true,
      config: {},
    })
    assert.equal(create.status, 403)
    const untouched = await settingsOf(fixture.tenant.id)
    assert.lengthOf(untouched, 2)
    assert.isTrue(untouched[0].enabled)

    const own = await browser.send('POST', '/settings/payment', {
      pluginId: 'payment-sandbox',
      projectId: fixture.projectA.id,
      enabled: true,
      config: SANDBOX,
    })
    assert.equal(own.status, 302)
    assert.lengthOf(await settingsOf(fixture.tenant.id), 3)
  })

  test('another tenant neither sees nor changes the settings; other roles get 403', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const admin = await fixture.adminSession()
    await admin.send('POST', '/settings/payment', {
      pluginId: 'payment-sandbox',
      projectId: null,
      enabled: true,
      config: SANDBOX,
    })
    const [row] = await settingsOf(fixture.tenant.id)

    const stranger = await ledgerFixture()
    const browser = await stranger.adminSession()
    const props = await browser.props('/settings/payment')
    assert.lengthOf(props.pluginSettings, 0)
    const edit = await browser.send('PUT', `/settings/payment/${row.id}`, {
      enabled: false,
      config: { merchantId: 'stolen', signingKey: 'stolen-signing-key-0001' },
    })
    assert.equal(edit.status, 404)
    const [unchanged] = await settingsOf(fixture.tenant.id)
    assert.deepEqual(unchanged.settings, row.settings)
    assert.isTrue(unchanged.enabled)

    const { browser: operator } = await fixture.staffSession('operator')
    const page = await operator.get('/settings/payment')
    assert.equal(page.status, 403)
    const refused = await operator.send('PUT', `/settings/payment/${row.id}/enabled`, {
      enabled: false,
    })
    assert.equal(refused.status, 403)
  })
})
