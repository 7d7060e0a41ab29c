import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import encryption from '@adonisjs/core/services/encryption'
import { ledgerFixture } from '#tests/functional/ledger/helpers'
import { refusals } from '#tests/functional/access/fixture'
import { resetLoginLimits } from '#tests/helpers/login'

/*
| 配置 › 用户登录 (issue 17): the official account's AppSecret and the Alipay
| keys riders sign in through are protected settings: set only by an admin
| over all projects, typed twice, audited naming the field, never the
| value, and never sent to the page.
*/

const owner = () => db.connection('owner')
const PAGE = '/settings/rider-sign-in'

function apps(tenantId: number) {
  return owner().from('rider_oauth_apps').where('tenant_id', tenantId).orderBy('id')
}

async function storedText(tenantId: number) {
  const audits = await owner().from('audit_logs').where('tenant_id', tenantId)
  const sessions = await owner().from('sessions').select('*')
  return JSON.stringify([audits, sessions])
}

test.group('Rider sign-in apps are protected settings', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('the AppSecret is typed twice, stored encrypted, audited by field name, never on the page', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const admin = await fixture.adminSession()
    const secret = `wx-secret-${fixture.tenant.id}-first`
    const body = { provider: 'wechat', appId: 'wx1234567890abcdef', enabled: true }

    await admin.send('POST', PAGE, { ...body, secret, confirm: { secret: `${secret}x` } }, PAGE)
    const refused = await admin.props(PAGE)
    assert.exists(refused.errors['confirm.secret'])
    assert.lengthOf(await apps(fixture.tenant.id), 0)

    const saved = await admin.send('POST', PAGE, { ...body, secret, confirm: { secret } }, PAGE)
    assert.equal(saved.status, 302)
    const [row] = await apps(fixture.tenant.id)
    assert.equal(encryption.decrypt<string>(row.secret_encrypted), secret)
    assert.notInclude(row.secret_encrypted, secret)

    const audits = await owner()
      .from('audit_logs')
      .where('tenant_id', fixture.tenant.id)
      .whereLike('action', 'rider_oauth.%')
      .orderBy('chain_seq')
    assert.deepEqual(
      audits.map((audit) => audit.action),
      ['rider_oauth.configure_app', 'rider_oauth.protected_change']
    )
    assert.deepEqual(audits[1].after, { provider: 'wechat', fields: ['secret'] })

    const page = await admin.get(PAGE)
    assert.equal(page.status, 200)
    assert.deepEqual(page.page!.props.riderOauthApps, [
      {
        provider: 'wechat',
        appId: body.appId,
        enabled: true,
        secretSet: true,
        alipayPublicKeySet: false,
      },
    ])
    assert.notInclude(page.text, secret)
    assert.notInclude(await storedText(fixture.tenant.id), secret)

    // The app id changes without the secret; the stored one stays.
    await admin.send('POST', PAGE, { ...body, appId: 'wx0000000000000001' }, PAGE)
    const [edited] = await apps(fixture.tenant.id)
    assert.equal(edited.app_id, 'wx0000000000000001')
    assert.equal(encryption.decrypt<string>(edited.secret_encrypted), secret)
  })

  test('an Alipay key that is no RSA key is refused with its reason, nothing stored', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const admin = await fixture.adminSession()
    await admin.send(
      'POST',
      PAGE,
      {
        provider: 'alipay',
        appId: '2021000000000001',
        secret: 'not-a-key',
        alipayPublicKey: 'not-a-key-either',
        confirm: { secret: 'not-a-key', alipayPublicKey: 'not-a-key-either' },
        enabled: true,
      },
      PAGE
    )
    const props = await admin.props(PAGE)
    assert.equal(props.flash.error, '应用私钥格式不正确（须为 RSA 私钥）')
    assert.lengthOf(await apps(fixture.tenant.id), 0)
  })

  test('an admin limited to projects is refused (403) and audited; staff without settings.manage get 403', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const { browser: limited, staff } = await fixture.staffSession('super_admin', [
      fixture.projectA.id,
    ])
    const stolen = `wx-secret-${fixture.tenant.id}-taken`
    const response = await limited.send(
      'POST',
      PAGE,
      {
        provider: 'wechat',
        appId: 'wx1234567890abcdef',
        secret: stolen,
        confirm: { secret: stolen },
        enabled: true,
      },
      PAGE
    )
    assert.equal(response.status, 403)
    assert.lengthOf(await apps(fixture.tenant.id), 0)
    assert.deepEqual(await refusals(fixture.tenant.id), [
      {
        action: 'rider_oauth.configure_app',
        staff_id: staff.id,
        target_type: null,
        target_id: null,
        reason: 'tenantWideOnly',
      },
    ])
    assert.notInclude(await storedText(fixture.tenant.id), stolen)

    const { browser: support } = await fixture.staffSession('support')
    const page = await support.get(PAGE)
    assert.equal(page.status, 403)
    const posted = await support.send('POST', PAGE, {
      provider: 'wechat',
      appId: 'wx1',
      secret: 's',
      confirm: { secret: 's' },
      enabled: true,
    })
    assert.equal(posted.status, 403)
    assert.lengthOf(await apps(fixture.tenant.id), 0)
  })
})
