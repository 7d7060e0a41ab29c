import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { ledgerFixture } from '#tests/functional/ledger/helpers'
import { resetLoginLimits } from '#tests/helpers/login'

/*
| 权限 → 单点登录 and 管理员's 第三方账号: the apps as the page shows them (never
| the secret), linking and unlinking a staff member's account under the
| grant rules, each change audited.
*/

const owner = () => db.connection('owner')
const identitiesOf = (tenantId: number) =>
  owner().from('staff_identities').where('tenant_id', tenantId).orderBy('id')

test.group('SSO screens', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('the page shows each app without its secret; a lesser role is forbidden', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const admin = await fixture.adminSession()
    const secret = `wecom-secret-${fixture.tenant.id}`
    await admin.send(
      'POST',
      '/sso/apps',
      {
        provider: 'wecom',
        clientId: 'ww0123456789',
        agentId: '1000002',
        clientSecret: secret,
        confirm: { clientSecret: secret },
        enabled: true,
      },
      '/permissions/sso'
    )
    const page = await admin.get('/permissions/sso')
    assert.equal(page.page?.component, 'permissions/sso')
    assert.deepEqual(page.page?.props.ssoApps, [
      { provider: 'dingtalk', app: null },
      { provider: 'wecom', app: { clientId: 'ww0123456789', agentId: '1000002', enabled: true } },
    ])
    assert.isTrue(page.page?.props.ssoTenantWide)
    assert.notInclude(page.text, secret)

    const { browser: operator } = await fixture.staffSession('operator')
    const forbidden = await operator.get('/permissions/sso')
    assert.equal(forbidden.status, 403)
  })

  test('link and unlink, audited; an admin who could not edit the staff member is refused', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const admin = await fixture.adminSession()
    const { staff: member } = await fixture.staffSession('operator', [fixture.projectA.id])
    await admin.send(
      'POST',
      '/sso/identities',
      { staffId: member.id, provider: 'dingtalk', externalId: 'union-member' },
      '/permissions/staff'
    )
    await admin.send(
      'POST',
      '/sso/identities',
      { staffId: fixture.staff.id, provider: 'dingtalk', externalId: 'union-admin' },
      '/permissions/staff'
    )
    const staffPage = await admin.props('/permissions/staff')
    assert.deepEqual(
      staffPage.ssoIdentities.map((row: { staffId: number; externalId: string }) => [
        row.staffId,
        row.externalId,
      ]),
      [
        [member.id, 'union-member'],
        [fixture.staff.id, 'union-admin'],
      ]
    )
    const [memberIdentity, adminIdentity] = await identitiesOf(fixture.tenant.id)

    // Limited to project A, this admin cannot edit the tenant-wide admin: nor unlink them.
    const { browser: limited } = await fixture.staffSession('super_admin', [fixture.projectA.id])
    const refused = await limited.send('DELETE', `/sso/identities/${adminIdentity.id}`)
    assert.equal(refused.status, 403)
    assert.lengthOf(await identitiesOf(fixture.tenant.id), 2)

    const unlinked = await admin.send(
      'DELETE',
      `/sso/identities/${memberIdentity.id}`,
      {},
      '/permissions/staff'
    )
    assert.equal(unlinked.status, 302)
    const left = await identitiesOf(fixture.tenant.id)
    assert.deepEqual(
      left.map((row) => row.external_id),
      ['union-admin']
    )
    // The refused attempt is audited too (GrantGuard); the unlink comes after it.
    const [refusal, audit] = await owner()
      .from('audit_logs')
      .where({ tenant_id: fixture.tenant.id, action: 'sso.unlink_identity' })
      .orderBy('id')
    assert.equal(Number(refusal.target_id), fixture.staff.id)
    assert.equal(Number(audit.target_id), member.id)
    assert.deepEqual(audit.before, { provider: 'dingtalk', externalId: 'union-member' })
  })
})
