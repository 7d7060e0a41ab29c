import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { resetLoginLimits } from '#tests/helpers/login'
import { ledgerFixture } from '#tests/functional/ledger/helpers'

function packagesOf(projectId: number) {
  return db.connection('owner').from('topup_packages').where('project_id', projectId).orderBy('id')
}

test.group('充值套餐 (top-up packages)', (group) => {
  // No global transaction: checks read what the requests committed.
  group.each.setup(() => resetLoginLimits())

  test('create, list, edit and delete a package, each audited', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const browser = await fixture.adminSession()
    const projectId = fixture.projectA.id

    await browser.send('POST', '/settings/packages', {
      projectId,
      amount: 5000,
      bonus: 100,
      sortOrder: 30,
      enabled: true,
    })
    const [created] = await packagesOf(projectId)
    assert.include(created, { tenant_id: fixture.tenant.id, amount: 5000, bonus: 100 })
    const page = await browser.props('/settings/packages')
    assert.equal(page.flash.success, '充值套餐已保存')
    assert.deepEqual(page.packages, [
      { id: created.id, projectId, amount: 5000, bonus: 100, sortOrder: 30, enabled: true },
    ])

    await browser.send('PUT', `/settings/packages/${created.id}`, {
      projectId,
      amount: 10000,
      bonus: 500,
      sortOrder: 40,
      enabled: false,
    })
    const [edited] = await packagesOf(projectId)
    assert.include(edited, { amount: 10000, bonus: 500, sort_order: 40, enabled: false })

    await browser.send('DELETE', `/settings/packages/${created.id}`)
    assert.lengthOf(await packagesOf(projectId), 0)

    const actions = await db
      .connection('owner')
      .from('audit_logs')
      .where('tenant_id', fixture.tenant.id)
      .whereLike('action', 'topup_packages.%')
      .orderBy('id')
      .select('action')
    assert.deepEqual(
      actions.map((row) => row.action),
      ['topup_packages.create', 'topup_packages.update', 'topup_packages.delete']
    )
  })

  test('amounts must be whole fen above zero, with a message', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const browser = await fixture.adminSession()
    const attempt = async (body: Record<string, unknown>) => {
      await browser.send('POST', '/settings/packages', {
        projectId: fixture.projectA.id,
        amount: 5000,
        bonus: 0,
        sortOrder: 0,
        enabled: true,
        ...body,
      })
      const page = await browser.props('/settings/packages')
      return page.errors[Object.keys(body)[0]]
    }
    assert.equal(await attempt({ amount: 0 }), '充值金额必须大于 0')
    assert.equal(await attempt({ amount: 12.5 }), '充值金额必须是整数（单位：分）')
    assert.equal(await attempt({ amount: '50' }), '充值金额必须是数字')
    assert.equal(await attempt({ bonus: -1 }), '赠送金额不能小于 0')
    assert.equal(await attempt({ projectId: undefined }), '请填写项目')
    assert.lengthOf(await packagesOf(fixture.projectA.id), 0)
  })

  test('staff limited to project A manage only project A packages', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const { browser } = await fixture.staffSession('super_admin', [fixture.projectA.id])
    const [other] = await db
      .connection('owner')
      .table('topup_packages')
      .insert({
        tenant_id: fixture.tenant.id,
        project_id: fixture.projectB.id,
        amount: 2000,
        bonus: 0,
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('id')

    const page = await browser.props('/settings/packages')
    assert.lengthOf(page.packages, 0)
    assert.deepEqual(
      page.projectOptions.map((option: { id: number }) => option.id),
      [fixture.projectA.id]
    )
    await browser.send('POST', '/settings/packages', {
      projectId: fixture.projectB.id,
      amount: 100,
      bonus: 0,
      sortOrder: 0,
      enabled: true,
    })
    const refused = await browser.props('/settings/packages')
    assert.equal(refused.flash.error, '项目不存在')
    const response = await browser.send('DELETE', `/settings/packages/${other.id}`)
    assert.equal(response.status, 404)
    assert.lengthOf(await packagesOf(fixture.projectB.id), 1)
  })

  test('a role without settings.manage gets 403', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const { browser } = await fixture.staffSession('operator')
    const page = await browser.get('/settings/packages')
    assert.equal(page.status, 403)
    const response = await browser.send('POST', '/settings/packages', {
      projectId: fixture.projectA.id,
      amount: 100,
      bonus: 0,
      sortOrder: 0,
      enabled: true,
    })
    assert.equal(response.status, 403)
    assert.lengthOf(await packagesOf(fixture.projectA.id), 0)
  })
})
