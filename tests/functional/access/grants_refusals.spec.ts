import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { resetLoginLimits } from '#tests/helpers/login'
import { grantsFixture, refusals, sessionOf, tenantState } from '#tests/functional/access/fixture'

test.group('Grants: refusals', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('the reproduced hole: 人事 limited to one project neither becomes 超级管理员 nor resets one', async ({
    assert,
  }) => {
    const fixture = await grantsFixture()
    const hr = await sessionOf(fixture, 'hr')
    const state = await tenantState(fixture.tenantId)

    const escalate = await hr.send('PUT', `/permissions/staff/${fixture.staff.hr.id}`, {
      name: 'hr',
      roleIds: [fixture.roles.super_admin],
      projectIds: [],
    })
    assert.equal(escalate.status, 403)
    const page = await hr.props('/permissions/staff')
    assert.equal(page.flash.error, '不能修改自己的角色或项目范围')

    const takeOver = await hr.send('PUT', `/permissions/staff/${fixture.staff.boss.id}/password`, {
      password: 'taken-over-1',
    })
    assert.equal(takeOver.status, 403)
    const after = await hr.props('/permissions/staff')
    assert.equal(after.flash.error, '该管理员的权限或项目范围超出您的，不能对其操作')

    assert.deepEqual(await tenantState(fixture.tenantId), state)
    const refused = await refusals(fixture.tenantId)
    assert.deepEqual(
      refused.map((row) => [row.action, row.reason, row.target_id]),
      [
        ['staff.update', 'ownRightsFixed', String(fixture.staff.hr.id)],
        ['staff.reset_password', 'targetNotCovered', String(fixture.staff.boss.id)],
      ]
    )
    // The page offers neither: 超级管理员 is not grantable, the boss not manageable.
    const superRole = page.roles.find((role: any) => role.id === fixture.roles.super_admin)
    assert.isFalse(superRole.grantable)
    const boss = page.members.find((member: any) => member.id === fixture.staff.boss.id)
    assert.isFalse(boss.manageable)
    assert.isFalse(page.allProjectsGrantable)
  })

  test('a flood of refused attempts writes a bounded number of audit rows', async ({ assert }) => {
    const fixture = await grantsFixture()
    const hr = await sessionOf(fixture, 'hr')
    for (let attempt = 0; attempt < 25; attempt++) {
      const response = await hr.send(
        'PUT',
        `/permissions/staff/${fixture.staff.boss.id}/password`,
        { password: `taken-over-${attempt}` }
      )
      assert.equal(response.status, 403)
    }
    assert.lengthOf(await refusals(fixture.tenantId), 20)
  })

  test("another tenant's admin cannot act on this tenant's staff, even by id", async ({
    assert,
  }) => {
    const fixture = await grantsFixture()
    const other = await grantsFixture()
    const admin = await sessionOf(other, 'boss')
    const state = await tenantState(fixture.tenantId)

    for (const [method, path, body] of [
      ['PUT', `/permissions/staff/${fixture.staff.lesser.id}/password`, { password: 'x-pass-123' }],
      ['PUT', `/permissions/staff/${fixture.staff.lesser.id}/status`, { status: 'disabled' }],
      [
        'PUT',
        `/permissions/staff/${fixture.staff.lesser.id}`,
        { name: 'x', roleIds: [other.roles.super_admin], projectIds: [] },
      ],
      ['PUT', `/permissions/roles/${fixture.roles['访客']}`, { name: 'x', permissions: [] }],
    ] as const) {
      const response = await admin.send(method, path, body)
      assert.equal(response.status, 404, path)
    }
    assert.deepEqual(await tenantState(fixture.tenantId), state)
    const identities = await db
      .connection('owner')
      .from('staff_identities')
      .where('staff_id', fixture.staff.lesser.id)
    assert.lengthOf(identities, 0)
  })
})
