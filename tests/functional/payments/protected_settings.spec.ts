import { test } from '@japa/runner'
import { generateKeyPairSync } from 'node:crypto'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import TenantPluginService from '#plugins/tenant_plugins'
import { ledgerFixture } from '#tests/functional/ledger/helpers'
import { resetLoginLimits } from '#tests/helpers/login'
import { refusals } from '#tests/functional/access/fixture'

/*
| Protected payment settings (issue 14): the keys that decide which
| notifications are believed are set, the first time as later, only with
| tenant-wide rights and the new value typed twice; the audit names the
| field, never its value, and records a refused attempt.
*/

const APP_ID = '2021000000000001'
const PROTECTED_REFUSED =
  '受保护的配置（支付宝公钥、微信支付公钥和平台证书、钉钉和企业微信的应用密钥）只能由不限项目的管理员修改'

function rsa() {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
}

/** A slice from the middle of a PEM's body: present wherever the key leaked. */
function pemCore(pem: string) {
  return pem.replace(/-----[A-Z ]+-----|\s/g, '').slice(100, 160)
}

/** A stored field without whitespace, to find a PEM's core in. */
async function storedKey(id: number, field: string): Promise<string> {
  const row = await db.connection('owner').from('tenant_plugins').where('id', id).firstOrFail()
  return String(row.settings[field]).replace(/\s/g, '')
}

test.group('protected payment settings', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('the Alipay public key changes only with tenant-wide rights and re-entry; the audit names the field, not the value', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const original = rsa()
    const plugins = new TenantPluginService(await app.container.make('plugins'))
    const setting = await plugins.save(fixture.asSystem, {
      pluginId: 'payment-alipay',
      projectId: fixture.projectA.id,
      enabled: true,
      config: {
        appId: APP_ID,
        privateKey: rsa().privateKey,
        alipayPublicKey: original.publicKey,
      },
    })
    const replacement = rsa().publicKey
    const path = `/settings/payment/${setting.id}`
    const admin = await fixture.adminSession()

    // Not typed again, or typed differently: a field error, nothing stored.
    for (const confirm of [undefined, { alipayPublicKey: rsa().publicKey }]) {
      await admin.send(
        'PUT',
        path,
        { enabled: true, config: { appId: APP_ID, alipayPublicKey: replacement }, confirm },
        '/settings/payment'
      )
      const props = await admin.props('/settings/payment')
      assert.equal(props.errors['confirm.alipayPublicKey'], '请再次输入新的支付宝公钥，两次须一致')
      assert.include(await storedKey(setting.id, 'alipayPublicKey'), pemCore(original.publicKey))
    }

    // An admin limited to the project may edit its setting, but not this key, even typed twice.
    const { browser: limited, staff: limitedStaff } = await fixture.staffSession('super_admin', [
      fixture.projectA.id,
    ])
    const refused = await limited.send(
      'PUT',
      path,
      {
        enabled: true,
        config: { appId: APP_ID, alipayPublicKey: replacement },
        confirm: { alipayPublicKey: replacement },
      },
      '/settings/payment'
    )
    assert.equal(refused.status, 403)
    const limitedProps = await limited.props('/settings/payment')
    assert.equal(limitedProps.flash.error, PROTECTED_REFUSED)
    assert.include(await storedKey(setting.id, 'alipayPublicKey'), pemCore(original.publicKey))
    assert.deepEqual(await refusals(fixture.tenant.id), [
      {
        action: 'payment_settings.update',
        staff_id: limitedStaff.id,
        target_type: 'tenant_plugin',
        target_id: String(setting.id),
        reason: 'protectedNeedsTenantWide',
      },
    ])
    // Other fields stay theirs to change, without re-entry.
    await limited.send('PUT', path, {
      enabled: true,
      config: { appId: APP_ID, alipayPublicKey: original.publicKey, sellerId: '2088000000000001' },
    })
    assert.equal(await storedKey(setting.id, 'sellerId'), '2088000000000001')

    // Tenant-wide rights and the same value twice: changed, and audited by name.
    await admin.send('PUT', path, {
      enabled: true,
      config: { appId: APP_ID, alipayPublicKey: replacement, sellerId: '2088000000000001' },
      confirm: { alipayPublicKey: replacement },
    })
    assert.include(await storedKey(setting.id, 'alipayPublicKey'), pemCore(replacement))
    const audits = await db
      .connection('owner')
      .from('audit_logs')
      .where('tenant_id', fixture.tenant.id)
      .whereLike('action', 'payment_settings.%')
      .orderBy('id')
    const protectedChanges = audits.filter(
      (row) => row.action === 'payment_settings.protected_change'
    )
    assert.lengthOf(protectedChanges, 1)
    assert.deepEqual(protectedChanges[0].after.fields, ['alipayPublicKey'])
    assert.equal(Number(protectedChanges[0].target_id), setting.id)
    const audited = JSON.stringify(audits)
    assert.notInclude(audited, pemCore(replacement))
    assert.notInclude(audited, pemCore(original.publicKey))
  })

  test('creating an Alipay setting applies the same rules to its public key', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const publicKey = rsa().publicKey
    const config = { appId: APP_ID, privateKey: rsa().privateKey, alipayPublicKey: publicKey }
    const body = { pluginId: 'payment-alipay', projectId: fixture.projectA.id, enabled: true }
    const admin = await fixture.adminSession()
    const settings = () =>
      db.connection('owner').from('tenant_plugins').where('tenant_id', fixture.tenant.id)

    // Not typed again, or typed differently: a field error, nothing created.
    for (const confirm of [undefined, { alipayPublicKey: rsa().publicKey }]) {
      const response = await admin.send(
        'POST',
        '/settings/payment',
        { ...body, config, confirm },
        '/settings/payment'
      )
      assert.equal(response.status, 302)
      const props = await admin.props('/settings/payment')
      assert.equal(props.errors['confirm.alipayPublicKey'], '请再次输入新的支付宝公钥，两次须一致')
      assert.lengthOf(await settings(), 0)
    }

    // An admin limited to the project may create its settings, but not with this key.
    const { browser: limited, staff } = await fixture.staffSession('super_admin', [
      fixture.projectA.id,
    ])
    const refused = await limited.send(
      'POST',
      '/settings/payment',
      { ...body, config, confirm: { alipayPublicKey: publicKey } },
      '/settings/payment'
    )
    assert.equal(refused.status, 403)
    const limitedProps = await limited.props('/settings/payment')
    assert.equal(limitedProps.flash.error, PROTECTED_REFUSED)
    assert.lengthOf(await settings(), 0)
    assert.deepEqual(await refusals(fixture.tenant.id), [
      {
        action: 'payment_settings.create',
        staff_id: staff.id,
        target_type: null,
        target_id: null,
        reason: 'protectedNeedsTenantWide',
      },
    ])

    // Tenant-wide rights and the key typed twice: created, the key named in the audit.
    const created = await admin.send('POST', '/settings/payment', {
      ...body,
      config,
      confirm: { alipayPublicKey: publicKey },
    })
    assert.equal(created.status, 302)
    const [row] = await settings()
    assert.include(await storedKey(row.id, 'alipayPublicKey'), pemCore(publicKey))
    const audits = await db
      .connection('owner')
      .from('audit_logs')
      .where('tenant_id', fixture.tenant.id)
      .whereLike('action', 'payment_settings.%')
      .orderBy('id')
    assert.deepEqual(
      audits.map((audit) => audit.action),
      ['payment_settings.create', 'payment_settings.create', 'payment_settings.protected_change']
    )
    assert.deepEqual(audits[2].after, { pluginId: 'payment-alipay', fields: ['alipayPublicKey'] })
    assert.equal(Number(audits[2].target_id), row.id)
    assert.notInclude(JSON.stringify(audits), pemCore(publicKey))
  })

  test('creating WeChat Pay asks for its platform key again', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const admin = await fixture.adminSession()
    const config = {
      appId: 'wx8888888888888888',
      mchId: '1900000109',
      merchantSerialNo: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
      merchantPrivateKey: rsa().privateKey,
      apiV3Key: 'a'.repeat(32),
      platformPublicKeyId: 'PUB_KEY_ID_0114232134912410000000000001',
      platformPublicKey: rsa().publicKey,
    }
    const body = { pluginId: 'payment-wechatpay', projectId: null, enabled: true, config }
    await admin.send('POST', '/settings/payment', body, '/settings/payment')
    const props = await admin.props('/settings/payment')
    assert.equal(
      props.errors['confirm.platformPublicKey'],
      '请再次输入新的微信支付公钥，两次须一致'
    )
    assert.notProperty(props.errors, 'confirm.platformCertificates')

    await admin.send('POST', '/settings/payment', {
      ...body,
      confirm: { platformPublicKey: config.platformPublicKey },
    })
    const audit = await db
      .connection('owner')
      .from('audit_logs')
      .where('tenant_id', fixture.tenant.id)
      .where('action', 'payment_settings.protected_change')
      .firstOrFail()
    assert.deepEqual(audit.after.fields, ['platformPublicKey'])
  })
})
