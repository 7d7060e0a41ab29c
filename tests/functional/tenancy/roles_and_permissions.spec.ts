import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'

test.group('Roles and permissions', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => resetLoginLimits())

  test('a staff member without a permission gets 403 on the action and does not see its menu', async ({
    assert,
  }) => {
    const { staff, password } = await createTenantWithStaff({ roles: ['support'] })
    const browser = new BrowserSession()
    await browser.login({ account: staff.account, password })

    for (const path of [
      '/permissions/staff',
      '/permissions/roles',
      '/settings/projects',
      '/logs/operations',
    ]) {
      const response = await browser.get(path)
      assert.equal(response.status, 403, path)
    }
    const create = await browser.send('POST', '/settings/projects', {
      code: 'nope',
      name: '不该有',
    })
    assert.equal(create.status, 403)

    const home = await browser.get('/')
    const sections = home.page!.props.navigation.map((section: { key: string }) => section.key)
    assert.includeMembers(sections, ['home', 'riders', 'orders', 'cards'])
    assert.notIncludeMembers(sections, ['permissions', 'settings', 'logs', 'finance'])
    assert.notInclude(home.page!.props.permissions, 'staff.manage')
  })

  test('a role with staff management but not role management sees only 管理员 under 权限', async ({
    assert,
  }) => {
    const { staff, password, tenant } = await createTenantWithStaff({ roles: ['support'] })
    const { default: db } = await import('@adonisjs/lucid/services/db')
    const owner = db.connection('owner')
    const [role] = await owner
      .table('roles')
      .insert({
        tenant_id: tenant.id,
        name: '人事',
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('id')
    await owner
      .table('role_permissions')
      .insert({ tenant_id: tenant.id, role_id: role.id, permission: 'staff.manage' })
    await owner
      .table('staff_roles')
      .insert({ tenant_id: tenant.id, staff_id: staff.id, role_id: role.id })

    const browser = new BrowserSession()
    await browser.login({ account: staff.account, password })
    const page = await browser.get('/permissions/staff')
    assert.equal(page.status, 200)
    const permissionsMenu = page.page!.props.navigation.find(
      (section: { key: string }) => section.key === 'permissions'
    )
    assert.deepEqual(
      permissionsMenu.items.map((item: { key: string }) => item.key),
      ['staff']
    )
    const roles = await browser.get('/permissions/roles')
    assert.equal(roles.status, 403)
  })

  test('a custom role can be created, granted and then used', async ({ assert }) => {
    const admin = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.login({ account: admin.staff.account, password: admin.password })

    await browser.send('POST', '/permissions/roles', {
      name: '巡检员',
      permissions: ['devices.view'],
    })
    const { roles } = await browser.props('/permissions/roles')
    const inspector = roles.find((role: { name: string }) => role.name === '巡检员')
    assert.deepEqual(inspector.permissions, ['devices.view'])

    const refused = await browser.send('POST', '/permissions/roles', {
      name: '坏角色',
      permissions: ['root.everything'],
    })
    assert.equal(refused.status, 302)
    const after = await browser.props('/permissions/roles')
    assert.notInclude(
      after.roles.map((role: { name: string }) => role.name),
      '坏角色'
    )

    const builtin = roles.find((role: { builtin: boolean }) => role.builtin)
    await browser.send('PUT', `/permissions/roles/${builtin.id}`, {
      name: '改内置',
      permissions: [],
    })
    const flashed = await browser.get('/permissions/roles')
    assert.equal(flashed.page!.props.flash.error, '内置角色不能修改或删除')
  })
})
