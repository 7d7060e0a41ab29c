import { test } from '@japa/runner'
import { generateKeyPairSync } from 'node:crypto'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import TenantPluginService from '#plugins/tenant_plugins'
import { ledgerFixture } from '#tests/functional/ledger/helpers'
import { resetLoginLimits } from '#tests/helpers/login'

/*
| Protected payment settings (issue 14): the keys that decide which
| notifications are believed change only with tenant-wide rights and the
| new value typed twice; the audit names the field, never its value.
*/

const APP_ID = '2021000000000001'

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
    const { browser: limited } = await fixture.staffSession('super_admin', [fixture.projectA.id])
    await limited.send(
      'PUT',
      path,
      {
        enabled: true,
        config: { appId: APP_ID, alipayPublicKey: replacement },
        confirm: { alipayPublicKey: replacement },
      },
      '/settings/payment'
    )
    const limitedProps = await limited.props('/settings/payment')
    assert.equal(
      limitedProps.flash.error,
      '支付宝公钥、微信支付公钥和平台证书只能由不限项目的管理员修改'
    )
    assert.include(await storedKey(setting.id, 'alipayPublicKey'), pemCore(original.publicKey))
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
})
