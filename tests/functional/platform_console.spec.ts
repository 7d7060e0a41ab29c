import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import Staff from '#models/staff'
import Tenant from '#models/tenant'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import PlatformAdminService from '#services/platform/platform_admin_service'
import PlatformTenantService from '#services/platform/platform_tenant_service'
import { PlatformRefusal } from '#services/platform/platform_refusal'
import { BUILTIN_ROLE_KEYS } from '#core/access/permissions'

let sequence = 0
function unique(prefix: string) {
  sequence += 1
  return `${prefix}_${process.pid}_${sequence}`
}

/** A platform admin, committed through the owner connection as the ace command does. */
async function createPlatformAdmin() {
  const input = { account: unique('padmin'), name: '平台测试员', password: 'platform-pass-1' }
  await new PlatformAdminService().createOrReset(input)
  return input
}

async function platformLogin(
  browser: BrowserSession,
  form: { account: string; password: string; captcha?: string }
) {
  await browser.get('/platform/login')
  const answer = await browser.captcha()
  return browser.post('/platform/login', { ...form, captcha: form.captcha ?? answer })
}

/** Where a page sends the browser (null: it rendered). */
async function redirectOf(browser: BrowserSession, path: string) {
  const response = await browser.get(path)
  return response.location
}

async function statusOf(browser: BrowserSession, path: string) {
  const response = await browser.get(path)
  return response.status
}

async function platformFlashError(browser: BrowserSession) {
  const page = await browser.get('/platform/login')
  return page.page?.props.flash?.error as string | undefined
}

async function signedInPlatformAdmin() {
  const admin = await createPlatformAdmin()
  const browser = new BrowserSession()
  await platformLogin(browser, admin)
  return { admin, browser }
}

function tenantForm() {
  return {
    tenantCode: unique('op').toLowerCase(),
    tenantName: unique('新运营商'),
    projectName: '一号园区',
    adminAccount: unique('boss'),
    adminName: '王总',
    adminPassword: 'first-pass-123',
  }
}

test.group('Platform console: login', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => resetLoginLimits())

  test('a platform admin signs in with account, password and captcha', async ({ assert }) => {
    const admin = await createPlatformAdmin()
    const browser = new BrowserSession()

    const response = await platformLogin(browser, admin)
    assert.equal(response.status, 302)
    assert.equal(response.location, '/platform/tenants')

    const tenants = await browser.get('/platform/tenants')
    assert.equal(tenants.page?.component, 'platform/tenants')
    assert.equal(tenants.page?.props.admin.name, admin.name)
    // Already signed in: the login page sends the admin on.
    assert.equal(await redirectOf(browser, '/platform/login'), '/platform/tenants')
  })

  test('a wrong captcha or password is refused with a clear message', async ({ assert }) => {
    const admin = await createPlatformAdmin()
    const browser = new BrowserSession()

    await platformLogin(browser, { ...admin, captcha: 'zzzzz' })
    assert.equal(await platformFlashError(browser), '验证码错误')

    await platformLogin(browser, { ...admin, password: 'wrong-password' })
    assert.equal(await platformFlashError(browser), '账号或密码错误')
    assert.equal(await redirectOf(browser, '/platform/tenants'), '/platform/login')
  })

  test('tenant staff cannot sign into the platform console', async ({ assert }) => {
    const { staff, password } = await createTenantWithStaff()
    const browser = new BrowserSession()
    await platformLogin(browser, { account: staff.account, password })
    assert.equal(await platformFlashError(browser), '账号或密码错误')

    // A signed-in staff session does not open the console either.
    await browser.login({ account: staff.account, password })
    assert.equal(await statusOf(browser, '/'), 200)
    assert.equal(await redirectOf(browser, '/platform/tenants'), '/platform/login')
  })

  test('a platform admin cannot open tenant pages', async ({ assert }) => {
    const { browser } = await signedInPlatformAdmin()
    assert.equal(await statusOf(browser, '/platform/tenants'), 200)
    for (const path of ['/', '/orders/abnormal']) {
      assert.equal(await redirectOf(browser, path), '/login')
    }
  })

  test('a disabled platform admin is refused and loses an open session', async ({ assert }) => {
    const { admin, browser } = await signedInPlatformAdmin()
    await db
      .connection('owner')
      .from('platform_admins')
      .where('account', admin.account)
      .update({ status: 'disabled' })
    assert.equal(await redirectOf(browser, '/platform/tenants'), '/platform/login')

    const again = new BrowserSession()
    await platformLogin(again, admin)
    assert.equal(await platformFlashError(again), '账号或密码错误')
  })

  test('logging out ends the platform session only', async ({ assert }) => {
    const { browser } = await signedInPlatformAdmin()
    const logout = await browser.post('/platform/logout')
    assert.equal(logout.location, '/platform/login')
    assert.equal(await redirectOf(browser, '/platform/tenants'), '/platform/login')
  })

  test('the app role cannot read platform admins', async ({ assert }) => {
    await createPlatformAdmin()
    await assert.rejects(
      () => db.connection('app').from('platform_admins').select('id'),
      /permission denied/
    )
  })
})

test.group('Platform console: tenants', (group) => {
  // No global transaction: platform writes commit through the owner
  // connection, and staff requests must see (and audit next to) them.
  group.each.setup(() => resetLoginLimits())

  test('pages and actions need a signed-in platform admin', async ({ assert }) => {
    const { tenant } = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.get('/platform/login')
    assert.equal(await redirectOf(browser, '/platform/tenants'), '/platform/login')
    const refused = await browser.post(`/platform/tenants/${tenant.id}/suspend`)
    assert.equal(refused.location, '/platform/login')
    await tenant.refresh()
    assert.equal(tenant.status, 'active')
  })

  test('create a tenant: its first super admin signs in and must change the password', async ({
    assert,
  }) => {
    const { browser } = await signedInPlatformAdmin()
    const form = tenantForm()

    const created = await browser.post('/platform/tenants', form)
    assert.equal(created.location, '/platform/tenants')
    const list = await browser.get('/platform/tenants')
    assert.include(list.page?.props.flash.success, form.adminAccount)
    const row = list.page?.props.tenants.find((t: { code: string }) => t.code === form.tenantCode)
    assert.deepInclude(row, {
      name: form.tenantName,
      status: 'active',
      projectCount: 1,
      staffCount: 1,
    })

    const owner = db.connection('owner')
    const superAdmin = await Staff.query({ connection: 'owner' })
      .where('account', form.adminAccount)
      .firstOrFail()
    assert.isTrue(superAdmin.mustChangePassword)
    const roles = await owner
      .from('staff_roles')
      .join('roles', 'roles.id', 'staff_roles.role_id')
      .where('staff_roles.staff_id', superAdmin.id)
      .select('roles.builtin_key')
    assert.deepEqual(
      roles.map((r) => r.builtin_key),
      ['super_admin']
    )
    const builtinRoles = await owner.from('roles').where('tenant_id', superAdmin.tenantId)
    assert.sameMembers(
      builtinRoles.map((role) => role.builtin_key),
      [...BUILTIN_ROLE_KEYS]
    )

    const staffBrowser = new BrowserSession()
    const login = await staffBrowser.login({
      account: form.adminAccount,
      password: form.adminPassword,
    })
    assert.equal(login.status, 302)
    assert.equal(login.location, '/')
    assert.notEqual(await redirectOf(staffBrowser, '/'), '/login')
  })

  test('suspend: its staff cannot sign in; activate: they can again', async ({ assert }) => {
    const { browser, admin } = await signedInPlatformAdmin()
    const { tenant, staff, password } = await createTenantWithStaff()
    const tenantStatus = async () => {
      const row = await db.connection('owner').from('tenants').where('id', tenant.id).first()
      return row.status
    }
    assert.equal(await tenantStatus(), 'active')

    await browser.post(`/platform/tenants/${tenant.id}/suspend`)
    const list = await browser.get('/platform/tenants')
    assert.equal(
      list.page?.props.flash.success,
      `已停用运营商「${tenant.name}」，其管理员无法再登录`
    )
    assert.equal(await tenantStatus(), 'suspended')

    const staffBrowser = new BrowserSession()
    await staffBrowser.login({ account: staff.account, password })
    assert.equal(await staffBrowser.flashedError(), '所属运营商已停用，请联系平台')

    await browser.post(`/platform/tenants/${tenant.id}/activate`)
    assert.equal(await tenantStatus(), 'active')
    const login = await staffBrowser.login({ account: staff.account, password })
    assert.equal(login.location, '/')

    const audited = await db
      .connection('owner')
      .from('audit_logs')
      .where('tenant_id', tenant.id)
      .where('action', 'like', 'platform.%')
      .orderBy('chain_seq')
    assert.deepEqual(
      audited.map((row) => [row.action, row.actor_account]),
      [
        ['platform.tenant_suspend', `platform:${admin.account}`],
        ['platform.tenant_activate', `platform:${admin.account}`],
      ]
    )
  })

  test('a duplicate tenant code or staff account is refused and nothing is written', async ({
    assert,
  }) => {
    const { browser } = await signedInPlatformAdmin()
    const { tenant, staff } = await createTenantWithStaff()
    const [{ total: tenantsBefore }] = await db
      .connection('owner')
      .from('tenants')
      .count('* as total')

    const sameCode = { ...tenantForm(), tenantCode: tenant.code }
    await browser.post('/platform/tenants', sameCode)
    let page = await browser.get('/platform/tenants')
    assert.equal(page.page?.props.errors.tenantCode, '运营商编码已存在')

    const sameAccount = { ...tenantForm(), adminAccount: staff.account.toUpperCase() }
    await browser.post('/platform/tenants', sameAccount)
    page = await browser.get('/platform/tenants')
    assert.equal(page.page?.props.errors.adminAccount, '该账号已被使用')

    const [{ total: tenantsAfter }] = await db
      .connection('owner')
      .from('tenants')
      .count('* as total')
    assert.equal(tenantsAfter, tenantsBefore)
    const strays = await Staff.query({ connection: 'owner' }).where(
      'account',
      sameCode.adminAccount
    )
    assert.lengthOf(strays, 0)
  })

  test('bad input gets clear field messages', async ({ assert }) => {
    const { browser } = await signedInPlatformAdmin()
    await browser.post('/platform/tenants', {
      ...tenantForm(),
      tenantCode: '9 bad code',
      tenantName: '',
      adminPassword: 'short',
    })
    const page = await browser.get('/platform/tenants')
    const errors = page.page?.props.errors
    assert.equal(
      errors.tenantCode,
      '运营商编码须以小写字母开头，只含小写字母、数字、下划线或短横线'
    )
    assert.equal(errors.tenantName, '请填写运营商名称')
    assert.equal(errors.adminPassword, '初始密码至少 10 个字符')
  })

  test('a duplicate caught by the database (a race) rolls the whole tenant back', async ({
    assert,
  }) => {
    const { staff } = await createTenantWithStaff()
    const form = { ...tenantForm(), adminAccount: staff.account }
    // Past the validator (as when two admins submit at once): the constraint decides.
    await assert.rejects(async () => {
      try {
        await new PlatformTenantService().create(form, { actor: null, request: null })
      } catch (error) {
        assert.instanceOf(error, PlatformRefusal)
        assert.equal((error as PlatformRefusal).reason, 'accountTaken')
        throw error
      }
    })
    assert.isNull(
      await Tenant.query({ connection: 'owner' }).where('code', form.tenantCode).first()
    )
  })
})
