import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'

async function ownerRow(table: string, where: Record<string, unknown>) {
  return db.connection('owner').from(table).where(where).first()
}

test.group('Staff management', (group) => {
  // No global transaction: checks read through the owner connection, which
  // must see what the requests really committed.
  group.each.setup(() => resetLoginLimits())

  test('a new staff member must change the initial password before anything else', async ({
    assert,
  }) => {
    const admin = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.login({ account: admin.staff.account, password: admin.password })
    const operator = admin.roles.get('operator')!

    await browser.send('POST', '/permissions/staff', {
      account: `clerk_${admin.tenant.id}`,
      name: '柜员小王',
      password: 'initial-pass-1',
      roleIds: [operator.id],
      projectIds: [admin.project.id],
    })
    const created = await ownerRow('staff', { account: `clerk_${admin.tenant.id}` })
    assert.equal(created.tenant_id, admin.tenant.id)
    assert.isTrue(created.must_change_password)

    const clerk = new BrowserSession()
    await clerk.login({ account: `clerk_${admin.tenant.id}`, password: 'initial-pass-1' })
    const home = await clerk.get('/')
    assert.equal(home.location, '/password')

    await clerk.send('POST', '/password', {
      currentPassword: 'initial-pass-1',
      password: 'my-own-pass-1',
      passwordConfirmation: 'my-own-pass-1',
    })
    const after = await clerk.get('/')
    assert.equal(after.status, 200)
    assert.deepEqual(
      after.page!.props.projects.map((project: { id: number }) => project.id),
      [admin.project.id]
    )
  })

  test('an account name is unique across tenants, with a clear message', async ({ assert }) => {
    const other = await createTenantWithStaff()
    const admin = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.login({ account: admin.staff.account, password: admin.password })
    await browser.send('POST', '/permissions/staff', {
      account: other.staff.account,
      name: '重名',
      password: 'initial-pass-1',
      roleIds: [admin.roles.get('support')!.id],
      projectIds: [],
    })
    const page = await browser.get('/permissions/staff')
    assert.equal(page.page!.props.errors.account, '账号已存在')
  })

  test('a disabled staff member cannot log in; an admin cannot disable themselves', async ({
    assert,
  }) => {
    const admin = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.login({ account: admin.staff.account, password: admin.password })

    await browser.send('PUT', `/permissions/staff/${admin.staff.id}/status`, { status: 'disabled' })
    const page = await browser.props('/permissions/staff')
    assert.equal(page.flash.error, '不能停用自己的账号')
    const row = await ownerRow('staff', { id: admin.staff.id })
    assert.equal(row.status, 'active')
  })

  test('a reset password works once and forces a change', async ({ assert }) => {
    const admin = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.login({ account: admin.staff.account, password: admin.password })
    const list = await browser.props('/permissions/staff')
    assert.lengthOf(list.members, 1)

    await browser.send('POST', '/permissions/staff', {
      account: `reset_${admin.tenant.id}`,
      name: '待重置',
      password: 'initial-pass-1',
      roleIds: [admin.roles.get('support')!.id],
      projectIds: [],
    })
    const member = await ownerRow('staff', { account: `reset_${admin.tenant.id}` })
    await browser.send('PUT', `/permissions/staff/${member.id}/password`, {
      password: 'reset-pass-22',
    })
    await browser.send('PUT', `/permissions/staff/${member.id}/status`, { status: 'disabled' })

    const disabled = new BrowserSession()
    await disabled.login({ account: member.account, password: 'reset-pass-22' })
    assert.equal(await disabled.flashedError(), '账号或密码错误')
  })

  test('fields outside the form are ignored: tenant, password flags, roles by name', async ({
    assert,
  }) => {
    const victim = await createTenantWithStaff()
    const admin = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.login({ account: admin.staff.account, password: admin.password })

    await browser.send('POST', '/settings/projects', {
      code: 'mass',
      name: '批量赋值',
      tenant_id: victim.tenant.id,
      tenantId: victim.tenant.id,
      status: 'archived',
    })
    const project = await ownerRow('projects', { code: 'mass', tenant_id: admin.tenant.id })
    assert.exists(project)
    assert.equal(project.status, 'active')
    assert.notExists(await ownerRow('projects', { code: 'mass', tenant_id: victim.tenant.id }))

    await browser.send('PUT', `/permissions/staff/${admin.staff.id}`, {
      name: '改名',
      // Their own roles, unchanged: nobody changes their own (tests/functional/access).
      roleIds: [admin.roles.get('super_admin')!.id],
      projectIds: [],
      tenantId: victim.tenant.id,
      role: 'super_admin',
      mustChangePassword: false,
      password: 'hijack-pass-1',
      balance: 100000,
    })
    const row = await ownerRow('staff', { id: admin.staff.id })
    assert.equal(row.name, '改名')
    assert.equal(row.tenant_id, admin.tenant.id)
    assert.notEqual(row.password, 'hijack-pass-1')
  })
})

test.group('Staff management: audit', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('each change lands in the tenant audit chain with who, where and what, never a password', async ({
    assert,
  }) => {
    const admin = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.login({ account: admin.staff.account, password: admin.password })
    const account = `audited_${admin.tenant.id}`

    await browser.send('POST', '/permissions/staff', {
      account,
      name: '被审计',
      password: 'initial-pass-1',
      roleIds: [admin.roles.get('support')!.id],
      projectIds: [],
    })
    const member = await ownerRow('staff', { account })
    await browser.send('PUT', `/permissions/staff/${member.id}/status`, { status: 'disabled' })
    await browser.send('POST', '/permissions/roles', {
      name: '审计员',
      permissions: ['audit.view'],
    })

    const rows = await db
      .connection('owner')
      .from('audit_logs')
      .where('tenant_id', admin.tenant.id)
      .whereIn('action', ['staff.create', 'staff.disable', 'roles.create'])
      .orderBy('chain_seq')
    assert.deepEqual(
      rows.map((row) => row.action),
      ['staff.create', 'staff.disable', 'roles.create']
    )
    const created = rows[0]
    assert.equal(created.staff_id, admin.staff.id)
    assert.equal(created.target_id, String(member.id))
    assert.equal(created.after.account, account)
    assert.notInclude(JSON.stringify(rows), 'initial-pass-1')
    assert.isNotNull(created.ip)
    assert.isNotNull(created.request_id)
    assert.deepEqual(rows[1].before, { status: 'active' })
  })
})

test.group('Standing of open sessions', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('suspending a tenant ends its staff sessions already open', async ({ assert }) => {
    const { staff, password, tenant } = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.login({ account: staff.account, password })
    const before = await browser.get('/')
    assert.equal(before.status, 200)

    await db
      .connection('owner')
      .from('tenants')
      .where('id', tenant.id)
      .update({ status: 'suspended' })
    const next = await browser.get('/')
    assert.equal(next.location, '/login')
    assert.equal(await browser.flashedError(), '所属运营商已停用，请联系平台')
    await db.connection('owner').from('tenants').where('id', tenant.id).update({ status: 'active' })
    const after = await browser.get('/')
    assert.equal(after.location, '/login')
  })

  test('disabling a staff member ends their session at the next request', async ({ assert }) => {
    const admin = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.login({ account: admin.staff.account, password: admin.password })

    await db
      .connection('owner')
      .from('staff')
      .where('id', admin.staff.id)
      .update({ status: 'disabled' })
    const next = await browser.get('/')
    assert.equal(next.location, '/login')
    assert.equal(await browser.flashedError(), '您的账号已被停用，请联系管理员')
  })
})
