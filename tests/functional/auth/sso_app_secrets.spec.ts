import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import encryption from '@adonisjs/core/services/encryption'
import { ledgerFixture } from '#tests/functional/ledger/helpers'
import { refusals } from '#tests/functional/access/fixture'
import { resetLoginLimits } from '#tests/helpers/login'

/*
| The tenant's DingTalk / WeCom app secrets are protected settings (issue
| 14): set, the first time as later, only by an admin over all projects with
| the secret typed twice; the audit names the field, never the value; a
| refused attempt changes nothing and is audited.
*/

const owner = () => db.connection('owner')
const RETYPE = '请再次输入新的应用密钥，两次须一致'

function apps(tenantId: number) {
  return owner().from('tenant_sso_providers').where('tenant_id', tenantId).orderBy('id')
}

function ssoAudits(tenantId: number) {
  return owner()
    .from('audit_logs')
    .where('tenant_id', tenantId)
    .whereLike('action', 'sso.%')
    .orderBy('chain_seq')
}

async function storedSecret(tenantId: number) {
  const [app] = await apps(tenantId)
  return encryption.decrypt<string>(app.client_secret_encrypted)
}

/** Everything stored for a tenant's audit trail and every session, as text: a leak shows there. */
async function storedText(tenantId: number) {
  const audits = await owner().from('audit_logs').where('tenant_id', tenantId)
  const sessions = await owner().from('sessions').select('*')
  return JSON.stringify([audits, sessions])
}

test.group('SSO app secrets are protected settings', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('a new app needs its secret typed twice; the audit names the field, not the secret', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const admin = await fixture.adminSession()
    const secret = `ding-secret-${fixture.tenant.id}-first`
    const body = { provider: 'dingtalk', clientId: 'ding_app_key', enabled: true }

    for (const confirm of [undefined, { clientSecret: `${secret}-typo` }]) {
      const response = await admin.send(
        'POST',
        '/sso/apps',
        { ...body, clientSecret: secret, confirm },
        '/'
      )
      assert.equal(response.status, 302)
      const props = await admin.props('/')
      assert.equal(props.errors['confirm.clientSecret'], RETYPE)
      assert.lengthOf(await apps(fixture.tenant.id), 0)
    }
    // Without any secret, a new app is refused with its reason.
    await admin.send('POST', '/sso/apps', body, '/')
    const refused = await admin.props('/')
    assert.equal(refused.flash.error, '请填写应用密钥')
    assert.lengthOf(await apps(fixture.tenant.id), 0)

    const saved = await admin.send('POST', '/sso/apps', {
      ...body,
      clientSecret: secret,
      confirm: { clientSecret: secret },
    })
    assert.equal(saved.status, 302)
    assert.equal(await storedSecret(fixture.tenant.id), secret)
    const audits = await ssoAudits(fixture.tenant.id)
    assert.deepEqual(
      audits.map((row) => row.action),
      ['sso.configure_app', 'sso.protected_change']
    )
    assert.deepEqual(audits[1].after, { provider: 'dingtalk', fields: ['clientSecret'] })
    assert.equal(audits[1].target_type, 'tenant_sso_provider')
    assert.notInclude(await storedText(fixture.tenant.id), secret)
  })

  test('an edit keeps the stored secret unless a new one is typed twice', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const admin = await fixture.adminSession()
    const first = `wecom-secret-${fixture.tenant.id}-1`
    const second = `wecom-secret-${fixture.tenant.id}-2`
    const body = { provider: 'wecom', clientId: 'ww_corp_id', agentId: '1000002', enabled: true }
    await admin.send('POST', '/sso/apps', {
      ...body,
      clientSecret: first,
      confirm: { clientSecret: first },
    })

    // Other fields change without the secret; it stays, and no protected change is recorded.
    await admin.send('POST', '/sso/apps', { ...body, agentId: '1000003' })
    const [app] = await apps(fixture.tenant.id)
    assert.equal(app.agent_id, '1000003')
    assert.equal(await storedSecret(fixture.tenant.id), first)

    // A new secret not typed again: refused per field, nothing changed.
    await admin.send('POST', '/sso/apps', { ...body, clientSecret: second }, '/')
    const props = await admin.props('/')
    assert.equal(props.errors['confirm.clientSecret'], RETYPE)
    assert.equal(await storedSecret(fixture.tenant.id), first)
    const [unchanged] = await apps(fixture.tenant.id)
    assert.equal(unchanged.agent_id, '1000003')

    await admin.send('POST', '/sso/apps', {
      ...body,
      clientSecret: second,
      confirm: { clientSecret: second },
    })
    assert.equal(await storedSecret(fixture.tenant.id), second)
    const audits = await ssoAudits(fixture.tenant.id)
    assert.deepEqual(
      audits.map((row) => row.action),
      [
        'sso.configure_app',
        'sso.protected_change',
        'sso.configure_app',
        'sso.configure_app',
        'sso.protected_change',
      ]
    )
    const stored = await storedText(fixture.tenant.id)
    assert.notInclude(stored, first)
    assert.notInclude(stored, second)
  })

  test('an admin limited to projects is refused (403), nothing changes, the refusal is audited', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const admin = await fixture.adminSession()
    const secret = `ding-secret-${fixture.tenant.id}-kept`
    const body = { provider: 'dingtalk', clientId: 'ding_app_key', enabled: true }
    await admin.send('POST', '/sso/apps', {
      ...body,
      clientSecret: secret,
      confirm: { clientSecret: secret },
    })
    const [app] = await apps(fixture.tenant.id)
    const { browser: limited, staff } = await fixture.staffSession('super_admin', [
      fixture.projectA.id,
    ])
    const stolen = `ding-secret-${fixture.tenant.id}-taken`

    // Even typed twice, and even leaving the secret alone: the app serves every project.
    for (const attempt of [
      { ...body, clientId: 'other_app', clientSecret: stolen, confirm: { clientSecret: stolen } },
      { ...body, enabled: false },
    ]) {
      const response = await limited.send('POST', '/sso/apps', attempt, '/')
      assert.equal(response.status, 403)
    }
    const props = await limited.props('/')
    assert.equal(props.flash.error, '此设置作用于全部项目，只能由不限项目的管理员修改')
    const [after] = await apps(fixture.tenant.id)
    assert.deepEqual(after, app)
    assert.equal(await storedSecret(fixture.tenant.id), secret)
    const refusal = {
      action: 'sso.configure_app',
      staff_id: staff.id,
      target_type: 'tenant_sso_provider',
      target_id: String(app.id),
      reason: 'tenantWideOnly',
    }
    assert.deepEqual(await refusals(fixture.tenant.id), [refusal, refusal])
    const stored = await storedText(fixture.tenant.id)
    assert.notInclude(stored, secret)
    assert.notInclude(stored, stolen)
  })

  test('staff without settings.manage are forbidden and nothing is stored', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const { browser } = await fixture.staffSession('support')
    const response = await browser.send('POST', '/sso/apps', {
      provider: 'dingtalk',
      clientId: 'ding_app_key',
      clientSecret: 'ding-secret-x',
      confirm: { clientSecret: 'ding-secret-x' },
      enabled: true,
    })
    assert.equal(response.status, 403)
    assert.lengthOf(await apps(fixture.tenant.id), 0)
  })
})
