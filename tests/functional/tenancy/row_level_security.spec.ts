import { test } from '@japa/runner'
import Project from '#models/project'
import TenantContext from '#core/tenancy/tenant_context'
import { createTenantWithStaff } from '#tests/helpers/tenants'

test.group('Tenant walls: row-level security', () => {
  test('with the app-level filter left out on purpose, the database returns no foreign rows', async ({
    assert,
  }) => {
    const mine = await createTenantWithStaff()
    const theirs = await createTenantWithStaff()

    const rows = await new TenantContext(mine.tenant.id).run(async (trx) => ({
      projects: await Project.query({ client: trx }),
      staff: await trx.from('staff').select('tenant_id'),
      tenants: await trx.from('tenants').select('id'),
    }))

    assert.deepEqual(
      [...new Set(rows.projects.map((project) => project.tenantId))],
      [mine.tenant.id]
    )
    assert.notInclude(
      rows.staff.map((row) => Number(row.tenant_id)),
      theirs.tenant.id
    )
    assert.deepEqual(
      rows.tenants.map((row) => Number(row.id)),
      [mine.tenant.id]
    )
  })

  test('without a tenant context the app role sees no tenant rows at all', async ({ assert }) => {
    await createTenantWithStaff()
    const projects = await Project.query()
    assert.lengthOf(projects, 0)
  })

  test('writing a row for another tenant is refused by the database', async ({ assert }) => {
    const mine = await createTenantWithStaff()
    const theirs = await createTenantWithStaff()
    const attempt = new TenantContext(mine.tenant.id).run((trx) =>
      Project.create(
        { tenantId: theirs.tenant.id, code: 'smuggled', name: '偷渡', status: 'active' },
        { client: trx }
      )
    )
    await assert.rejects(() => attempt, /row-level security/)
  })
})
