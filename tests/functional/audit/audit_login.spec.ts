import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import TenantContext from '#core/tenancy/tenant_context'

/** A tenant's login log, read as the app role inside that tenant's context. */
function loginRows(tenantId: number) {
  return new TenantContext(tenantId).run((trx) =>
    trx.from('audit_logs').where('kind', 'login').orderBy('chain_seq')
  )
}

function assertRequestDetails(assert: any, row: Record<string, any>) {
  assert.isNotEmpty(row.ip)
  assert.isNotEmpty(row.user_agent)
  assert.isNotEmpty(row.request_id)
  assert.isNotNull(row.occurred_at)
  assert.match(row.hash, /^[0-9a-f]{64}$/)
}

test.group('Audit: login log', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => resetLoginLimits())

  test('a sign-in writes auth.login in the tenant chain with IP, user agent and request id', async ({
    assert,
  }) => {
    const { tenant, staff, password } = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.login({ account: staff.account, password })

    const rows = await loginRows(tenant.id)
    assert.lengthOf(rows, 1)
    const [row] = rows
    assert.equal(row.action, 'auth.login')
    assert.equal(row.result, 'success')
    assert.equal(Number(row.tenant_id), tenant.id)
    assert.equal(Number(row.staff_id), staff.id)
    assert.equal(row.actor_account, staff.account)
    assert.equal(row.actor_name, staff.name)
    assert.equal(Number(row.chain_seq), 1)
    assertRequestDetails(assert, row)
    assert.notInclude(JSON.stringify(row), password)
  })

  test('a wrong password writes auth.login_failed with its reason and never the password', async ({
    assert,
  }) => {
    const { tenant, staff } = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.login({ account: staff.account, password: 'typed-wrong-secret' })

    const [row] = await loginRows(tenant.id)
    assert.equal(row.action, 'auth.login_failed')
    assert.equal(row.result, 'failure')
    assert.equal(row.reason, 'invalidCredentials')
    assert.equal(Number(row.staff_id), staff.id)
    assertRequestDetails(assert, row)
    assert.notInclude(JSON.stringify(row), 'typed-wrong-secret')
  })

  test('a wrong captcha is logged against the account it was typed for', async ({ assert }) => {
    const { tenant, staff, password } = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.login({ account: staff.account, password, captcha: 'zzzz' })

    const [row] = await loginRows(tenant.id)
    assert.equal(row.action, 'auth.login_failed')
    assert.equal(row.reason, 'invalidCaptcha')
    assert.notInclude(JSON.stringify(row), password)
  })

  test('an unknown account goes to the platform chain, which no tenant sees', async ({
    assert,
  }) => {
    const { tenant } = await createTenantWithStaff()
    const account = `ghost_${process.pid}_${Date.now()}`
    const browser = new BrowserSession()
    await browser.login({ account, password: 'ghost-password' })

    const row = await db
      .connection('owner')
      .from('audit_logs')
      .where('actor_account', account)
      .firstOrFail()
    assert.isNull(row.tenant_id)
    assert.isNull(row.staff_id)
    assert.equal(row.action, 'auth.login_failed')
    assert.equal(row.reason, 'invalidCredentials')
    assertRequestDetails(assert, row)
    assert.notInclude(JSON.stringify(row), 'ghost-password')

    const seenByTenant = await new TenantContext(tenant.id).run((trx) =>
      trx.from('audit_logs').whereNull('tenant_id')
    )
    assert.lengthOf(seenByTenant, 0)
  })

  test('signing out writes auth.logout after the sign-in, in chain order', async ({ assert }) => {
    const { tenant, staff, password } = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.login({ account: staff.account, password })
    await browser.post('/logout')

    const rows = await loginRows(tenant.id)
    assert.deepEqual(
      rows.map((row) => [row.action, Number(row.chain_seq)]),
      [
        ['auth.login', 1],
        ['auth.logout', 2],
      ]
    )
    assert.equal(rows[1].prev_hash, rows[0].hash)
  })
})
