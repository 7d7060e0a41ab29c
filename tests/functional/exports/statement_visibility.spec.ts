import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import Project from '#models/project'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'

/*
| 下载中心 for staff limited to projects: besides the exports they asked for,
| the system's monthly statements of their own projects, and only those.
| No global transaction: the page reads what committed.
*/

const owner = () => db.connection('owner')

/** A finished monthly statement of one project, as the 1st-of-month job leaves it. */
async function statement(tenantId: number, projectId: number) {
  const now = new Date()
  const [row] = await owner()
    .table('exports')
    .insert({
      tenant_id: tenantId,
      requested_by: null,
      scheduled: true,
      schedule_key: `monthly:2025-02:${projectId}:xlsx`,
      kind: 'monthly',
      format: 'xlsx',
      filters: JSON.stringify({ from: '2025-02-01', to: '2025-02-28', projectId }),
      status: 'done',
      created_at: now,
      updated_at: now,
    })
    .returning('id')
  return Number(row.id)
}

test.group('下载中心 statements', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('staff limited to a project see its monthly statements and no other project’s', async ({
    assert,
  }) => {
    const { tenant, project, staff, password } = await createTenantWithStaff({
      roles: ['finance'],
    })
    const second = await Project.create(
      {
        tenantId: tenant.id,
        code: `st_${randomUUID().slice(0, 8)}`,
        name: `二期${tenant.id}`,
        status: 'active',
      },
      { connection: 'owner' }
    )
    const firstStatement = await statement(tenant.id, project.id)
    const secondStatement = await statement(tenant.id, second.id)
    const elsewhere = await createTenantWithStaff({ roles: ['finance'] })
    const foreignStatement = await statement(elsewhere.tenant.id, elsewhere.project.id)

    const browser = new BrowserSession()
    await browser.login({ account: staff.account, password })
    const ids = async () => {
      const { exports } = await browser.props('/finance/downloads')
      return (exports as { id: number }[]).map((row) => row.id).sort((a, b) => a - b)
    }
    // Not limited: the tenant's statements, never another tenant's.
    assert.deepEqual(await ids(), [firstStatement, secondStatement])

    await owner()
      .table('staff_projects')
      .insert({ staff_id: staff.id, project_id: second.id, tenant_id: tenant.id })
    assert.deepEqual(await ids(), [secondStatement])
    const own = await browser.get(`/finance/exports/${secondStatement}`)
    assert.equal(own.status, 200)
    for (const id of [firstStatement, foreignStatement]) {
      const hidden = await browser.get(`/finance/exports/${id}`)
      assert.equal(hidden.status, 404, String(id))
    }
  })
})
