import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import Project from '#models/project'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import TenantContext from '#core/tenancy/tenant_context'
import AuditService, { type AuditEntry } from '#core/audit/audit_service'
import { AUDIT_PAGE_SIZE } from '#services/logs/audit_log_query'

function record(tenantId: number, entries: Omit<AuditEntry, 'tenantId'>[]) {
  const audit = new AuditService()
  return new TenantContext(tenantId).run(async (trx) => {
    for (const entry of entries) await audit.record({ ...entry, tenantId }, trx)
  })
}

async function signedIn(staff: { account: string }, password: string) {
  const browser = new BrowserSession()
  await browser.login({ account: staff.account, password })
  return browser
}

const targets = (page: { props: Record<string, any> }) =>
  page.props.rows.map((row: { targetId: string }) => row.targetId)

test.group('Audit: log pages', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => resetLoginLimits())

  test('a tenant reads only its own operation and login logs', async ({ assert }) => {
    const a = await createTenantWithStaff()
    const b = await createTenantWithStaff()
    await record(a.tenant.id, [{ action: 'staff.create', target: { type: 'staff', id: 'a-1' } }])
    await record(b.tenant.id, [{ action: 'staff.create', target: { type: 'staff', id: 'b-1' } }])
    await signedIn(b.staff, b.password)
    const browser = await signedIn(a.staff, a.password)

    const operations = await browser.get('/logs/operations')
    assert.equal(operations.status, 200)
    assert.equal(operations.page?.component, 'logs/operations')
    assert.deepEqual(targets(operations.page!), ['a-1'])
    assert.equal(operations.page?.props.pagination.total, 1)

    const logins = await browser.get('/logs/logins')
    assert.equal(logins.page?.component, 'logs/logins')
    const accounts = logins.page!.props.rows.map(
      (row: { actorAccount: string }) => row.actorAccount
    )
    assert.deepEqual(accounts, [a.staff.account])
    assert.deepEqual(logins.page?.props.actions, ['auth.login'])
  })

  test('staff without audit.view are refused', async ({ assert }) => {
    const { staff, password } = await createTenantWithStaff({ roles: ['operator'] })
    const browser = await signedIn(staff, password)
    for (const path of ['/logs/operations', '/logs/logins']) {
      const response = await browser.get(path)
      assert.equal(response.status, 403, path)
      assert.isUndefined(response.page?.props.rows)
    }
  })

  test('filters by action, account, result and Shanghai dates, and pages', async ({ assert }) => {
    const { tenant, staff, password } = await createTenantWithStaff()
    const actor = { staffId: staff.id, account: staff.account, name: staff.name }
    const other = { staffId: null, account: 'someone_else', name: '别人' }
    await record(tenant.id, [
      ...Array.from({ length: AUDIT_PAGE_SIZE + 5 }, (_, index) => ({
        action: 'riders.freeze',
        actor,
        target: { type: 'rider', id: `r-${index}` },
      })),
      { action: 'riders.edit', actor: other, target: { type: 'rider', id: 'edit-1' } },
      {
        action: 'riders.edit',
        actor,
        target: { type: 'rider', id: 'edit-2' },
        result: 'failure',
        reason: 'phoneTaken',
      },
    ])
    const browser = await signedIn(staff, password)

    const first = await browser.get('/logs/operations')
    assert.equal(first.page?.props.pagination.total, AUDIT_PAGE_SIZE + 7)
    assert.lengthOf(first.page?.props.rows, AUDIT_PAGE_SIZE)
    // Newest first.
    assert.deepEqual(targets(first.page!).slice(0, 2), ['edit-2', 'edit-1'])
    assert.deepEqual(first.page?.props.actions, ['riders.edit', 'riders.freeze'])

    const second = await browser.get('/logs/operations?page=2')
    assert.lengthOf(second.page?.props.rows, 7)
    assert.equal(second.page?.props.pagination.page, 2)

    const edits = await browser.get('/logs/operations?action=riders.edit')
    assert.deepEqual(targets(edits.page!), ['edit-2', 'edit-1'])

    const byAccount = await browser.get('/logs/operations?action=riders.edit&account=someone')
    assert.deepEqual(targets(byAccount.page!), ['edit-1'])

    const failures = await browser.get('/logs/operations?result=failure')
    assert.deepEqual(targets(failures.page!), ['edit-2'])
    assert.equal(failures.page?.props.rows[0].reason, 'phoneTaken')
    assert.equal(failures.page?.props.filters.result, 'failure')

    const today = DateTime.now().setZone('Asia/Shanghai').toISODate()!
    const yesterday = DateTime.now().setZone('Asia/Shanghai').minus({ days: 1 }).toISODate()!
    const fromToday = await browser.get(`/logs/operations?from=${today}&to=${today}`)
    assert.equal(fromToday.page?.props.pagination.total, AUDIT_PAGE_SIZE + 7)
    const untilYesterday = await browser.get(`/logs/operations?to=${yesterday}`)
    assert.equal(untilYesterday.page?.props.pagination.total, 0)
  })

  test('staff limited to projects see their projects rows and rows without a project', async ({
    assert,
  }) => {
    const { tenant, project, staff, password } = await createTenantWithStaff()
    const elsewhere = await Project.create(
      { tenantId: tenant.id, code: `p2_${tenant.id}`, name: '别的项目', status: 'active' },
      { connection: 'owner' }
    )
    await db
      .connection('owner')
      .table('staff_projects')
      .insert({ tenant_id: tenant.id, staff_id: staff.id, project_id: project.id })
    await record(tenant.id, [
      { action: 'cards.issue', projectId: project.id, target: { type: 'card', id: 'mine' } },
      { action: 'cards.issue', projectId: elsewhere.id, target: { type: 'card', id: 'theirs' } },
      { action: 'settings.update', target: { type: 'tenant', id: 'tenant-wide' } },
    ])
    const browser = await signedIn(staff, password)

    const page = await browser.get('/logs/operations')
    assert.deepEqual(targets(page.page!), ['tenant-wide', 'mine'])
    assert.equal(page.page?.props.rows[1].project, project.name)
  })

  test('before and after are shown with secrets masked', async ({ assert }) => {
    const { tenant, staff, password } = await createTenantWithStaff()
    await record(tenant.id, [
      {
        action: 'settings.payment',
        target: { type: 'payment_config', id: 1 },
        before: { merchantId: 'm1', apiKey: 'old-key' },
        after: { merchantId: 'm2', apiKey: 'new-key' },
      },
    ])
    const browser = await signedIn(staff, password)
    const page = await browser.get('/logs/operations')
    const [row] = page.page!.props.rows
    assert.deepEqual(row.before, { merchantId: 'm1', apiKey: '***' })
    assert.deepEqual(row.after, { merchantId: 'm2', apiKey: '***' })
    assert.notInclude(page.text, 'new-key')
  })
})
