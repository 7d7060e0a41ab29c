import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { BrowserSession } from '#tests/helpers/login'
import { FakeDingTalk, FakeWeCom, useFakeVendor, visitVendor } from '#tests/helpers/oauth_server'
import TenantContext from '#core/tenancy/tenant_context'
import { PERMISSIONS } from '#core/access/permissions'
import StaffIdentityService from '#services/auth/sso/staff_identity_service'
import { SSO_PROVIDERS, type SsoProvider } from '#services/auth/sso/providers'

/*
| Staff sign-in with DingTalk and WeCom, over real HTTP, against local
| stand-ins of the two vendors (tests/helpers/oauth_server.ts: an
| oauth2-mock-server answering in the vendors' JSON shapes).
*/
const fakes = {
  dingtalk: new FakeDingTalk({ clientId: 'ding_app_key', clientSecret: 'ding-secret-1' }),
  wecom: new FakeWeCom({
    clientId: 'ww_corp_id',
    clientSecret: 'wecom-secret-1',
    agentId: '1000002',
  }),
}

/** A tenant whose admin set up both apps, and its staff member. */
async function tenantWithSso() {
  const fixture = await createTenantWithStaff()
  const admin = new TenantContext(fixture.tenant.id, fixture.staff.id, null, new Set(PERMISSIONS))
  const service = await app.container.make(StaffIdentityService)
  for (const provider of ['dingtalk', 'wecom'] as const) {
    const { app: vendorApp } = fakes[provider]
    await service.configureApp(admin, {
      provider,
      ...vendorApp,
      confirm: { clientSecret: vendorApp.clientSecret },
      enabled: true,
    })
  }
  return { ...fixture, admin, service }
}

/** Where a page sends the browser (the login page, when signed out). */
async function locationOf(browser: BrowserSession, path: string) {
  const response = await browser.get(path)
  return response.location
}

/** The tenant's audit trail, oldest first. */
async function auditActions(tenantId: number) {
  const rows = await new TenantContext(tenantId).run((trx) =>
    trx.from('audit_logs').orderBy('chain_seq').select('action')
  )
  return rows.map((row) => row.action as string)
}

async function staffCount(tenantId: number) {
  return new TenantContext(tenantId).run(async (trx) => {
    const [row] = await trx.from('staff').count('* as total')
    return Number(row.total)
  })
}

for (const provider of SSO_PROVIDERS) {
  const fake = fakes[provider]

  test.group(`SSO ${provider}`, (group) => {
    group.setup(async () => {
      await fake.start()
      const restore = useFakeVendor(provider, fake)
      return async () => {
        restore()
        await fake.stop()
      }
    })
    group.each.setup(() => testUtils.db().withGlobalTransaction())

    test('the login page of a tenant offers its company-account buttons', async ({ assert }) => {
      const { tenant } = await tenantWithSso()
      const page = await new BrowserSession().get(`/login?tenant=${tenant.code}`)
      assert.deepEqual(page.page?.props.sso, {
        tenantCode: tenant.code,
        providers: ['dingtalk', 'wecom'],
      })
      const plain = await new BrowserSession().get('/login')
      assert.deepEqual(plain.page?.props.sso.providers, [])
    })

    test('a linked account signs its staff member in', async ({ assert }) => {
      const { tenant, staff, admin, service } = await tenantWithSso()
      await service.linkIdentity(admin, staff.id, provider, `${provider}-person-1`)
      fake.signInAs(`${provider}-person-1`)
      const browser = new BrowserSession()

      const redirect = await browser.get(`/sso/${tenant.code}/${provider}/redirect`)
      assert.equal(redirect.status, 302)
      assert.isTrue(redirect.location!.startsWith(fake.endpoints().authorizeUrl))

      const callback = await browser.get(await visitVendor(redirect.location!))
      assert.equal(callback.status, 302)
      assert.equal(callback.location, '/')

      const home = await browser.get('/')
      assert.equal(home.page?.component, 'home')
      assert.equal(home.page?.props.staff.name, staff.name)
      assert.deepEqual(await auditActions(tenant.id), [
        'sso.configure_app',
        'sso.protected_change',
        'sso.configure_app',
        'sso.protected_change',
        'sso.link_identity',
        'auth.login',
      ])
    })

    test('an account nobody linked is refused and creates no staff', async ({ assert }) => {
      const { tenant } = await tenantWithSso()
      const before = await staffCount(tenant.id)
      fake.signInAs(`${provider}-stranger`)
      const browser = new BrowserSession()

      const redirect = await browser.get(`/sso/${tenant.code}/${provider}/redirect`)
      const callback = await browser.get(await visitVendor(redirect.location!))
      assert.equal(callback.location, `/login?tenant=${tenant.code}`)
      assert.equal(await browser.flashedError(), '该账号未绑定，请联系管理员')

      assert.equal(await locationOf(browser, '/'), '/login')
      assert.equal(await staffCount(tenant.id), before)
      const identities = await new TenantContext(tenant.id).run((trx) =>
        trx.from('staff_identities').count('* as total')
      )
      assert.equal(Number(identities[0].total), 0)
    })

    test('a callback whose state does not match is refused before any API call', async ({
      assert,
    }) => {
      const { tenant, staff, admin, service } = await tenantWithSso()
      await service.linkIdentity(admin, staff.id, provider, `${provider}-person-2`)
      fake.signInAs(`${provider}-person-2`)
      const browser = new BrowserSession()

      const redirect = await browser.get(`/sso/${tenant.code}/${provider}/redirect`)
      const back = new URL(await visitVendor(redirect.location!), 'http://app.test')
      back.searchParams.set('state', 'forged-state')
      const callsBefore = fake.apiCalls

      const callback = await browser.get(`${back.pathname}${back.search}`)
      assert.equal(callback.location, `/login?tenant=${tenant.code}`)
      assert.equal(await browser.flashedError(), '登录请求已失效或来源不明，请重新登录')
      assert.equal(fake.apiCalls, callsBefore)
      assert.equal(await locationOf(browser, '/'), '/login')
    })

    test('a callback without state in a fresh browser (login CSRF) is refused', async ({
      assert,
    }) => {
      const { tenant, staff, admin, service } = await tenantWithSso()
      await service.linkIdentity(admin, staff.id, provider, `${provider}-person-3`)
      fake.signInAs(`${provider}-person-3`)

      // The attacker runs the flow and hands a victim the callback link without its state.
      const attacker = new BrowserSession()
      const redirect = await attacker.get(`/sso/${tenant.code}/${provider}/redirect`)
      const back = new URL(await visitVendor(redirect.location!), 'http://app.test')
      back.searchParams.delete('state')

      const victim = new BrowserSession()
      const callback = await victim.get(`${back.pathname}${back.search}`)
      assert.equal(callback.location, `/login?tenant=${tenant.code}`)
      assert.equal(await victim.flashedError(), '登录请求已失效或来源不明，请重新登录')
      assert.equal(await locationOf(victim, '/'), '/login')
    })

    test('a disabled staff member cannot sign in with a linked account', async ({ assert }) => {
      const { tenant, staff, admin, service } = await tenantWithSso()
      await service.linkIdentity(admin, staff.id, provider, `${provider}-person-4`)
      await db
        .connection('owner')
        .from('staff')
        .where('id', staff.id)
        .update({ status: 'disabled' })
      fake.signInAs(`${provider}-person-4`)
      const browser = new BrowserSession()

      const redirect = await browser.get(`/sso/${tenant.code}/${provider}/redirect`)
      await browser.get(await visitVendor(redirect.location!))
      assert.equal(await browser.flashedError(), '账号已停用，请联系管理员')
      assert.equal(await locationOf(browser, '/'), '/login')
    })

    test('a tenant without the app enabled sends nobody to the vendor', async ({ assert }) => {
      const { tenant } = await createTenantWithStaff()
      const browser = new BrowserSession()
      const redirect = await browser.get(`/sso/${tenant.code}/${provider}/redirect`)
      assert.equal(redirect.location, `/login?tenant=${tenant.code}`)
      assert.equal(await browser.flashedError(), '该运营商未启用此登录方式')
    })
  })
}

test.group('SSO administration', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('an admin with staff.manage links a staff member over HTTP', async ({ assert }) => {
    const { tenant, staff, password } = await tenantWithSso()
    const browser = new BrowserSession()
    await browser.login({ account: staff.account, password })

    const response = await browser.post('/sso/identities', {
      staffId: String(staff.id),
      provider: 'wecom',
      externalId: 'zhangsan',
    })
    assert.equal(response.status, 302)
    const rows = await new TenantContext(tenant.id).run((trx) =>
      trx.from('staff_identities').select('staff_id', 'provider', 'external_id')
    )
    assert.deepEqual(
      rows.map((row) => ({ ...row, staff_id: Number(row.staff_id) })),
      [{ staff_id: Number(staff.id), provider: 'wecom', external_id: 'zhangsan' }]
    )
  })

  test('staff without staff.manage may not link accounts', async ({ assert }) => {
    const { tenant, staff, password } = await createTenantWithStaff({ roles: ['support'] })
    const browser = new BrowserSession()
    await browser.login({ account: staff.account, password })

    const response = await browser.post('/sso/identities', {
      staffId: String(staff.id),
      provider: 'dingtalk',
      externalId: 'union-1',
    })
    // Refused: a 403 page, or Bouncer's redirect back with an error when no handler renders one.
    assert.oneOf(response.status, [302, 403])
    const rows = await new TenantContext(tenant.id).run((trx) => trx.from('staff_identities'))
    assert.lengthOf(rows, 0)
  })

  test("another tenant's staff member cannot be linked, even by id", async ({ assert }) => {
    const first = await tenantWithSso()
    const other = await createTenantWithStaff()
    await assert.rejects(
      () => first.service.linkIdentity(first.admin, other.staff.id, 'dingtalk', 'union-10'),
      'staffNotFound'
    )
  })

  test('an account links to one staff member only', async ({ assert }) => {
    const { tenant, staff, admin, service } = await tenantWithSso()
    const colleague = await new TenantContext(tenant.id).run(async (trx) => {
      const [row] = await trx
        .table('staff')
        .insert({
          tenant_id: tenant.id,
          account: `colleague_${staff.id}`,
          name: '同事',
          password: 'not-a-hash',
          status: 'active',
          must_change_password: false,
          created_at: new Date(),
          updated_at: new Date(),
        })
        .returning('id')
      return Number(row.id)
    })
    await service.linkIdentity(admin, staff.id, 'dingtalk', 'union-9')
    await assert.rejects(
      () => service.linkIdentity(admin, colleague, 'dingtalk', 'union-9'),
      'identityTaken'
    )
  })

  test('app secrets are stored encrypted', async ({ assert }) => {
    const { tenant } = await tenantWithSso()
    const rows = await new TenantContext(tenant.id).run((trx) =>
      trx.from('tenant_sso_providers').select('provider', 'client_secret_encrypted')
    )
    assert.lengthOf(rows, 2)
    for (const row of rows) {
      assert.notInclude(
        row.client_secret_encrypted,
        fakes[row.provider as SsoProvider].app.clientSecret
      )
    }
  })
})
